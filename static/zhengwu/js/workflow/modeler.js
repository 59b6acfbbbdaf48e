/* The process editor: vendored bpmn-js Modeler (global BpmnJS), no CDN.
 *
 * Loads the XML from <script id="bpmn-xml" type="application/json">, lets the admin draw, and
 * on "Check and deploy" posts {xml, filename} as JSON with the CSRF token to data-deploy-url.
 * The server validates and deploys; its Chinese message is shown, and the element it names is
 * selected and marked in the diagram. Messages come from data-msg-* attributes (translated).
 * With zw-moddle.js and properties.js loaded first, the zw: extension is typed and a user
 * task's assignment, decisions and form fields are edited in the side panel (#zw-properties).
 */
(function () {
  "use strict";
  var box = document.getElementById("bpmn-modeler");
  var source = document.getElementById("bpmn-xml");
  if (!box || !source || typeof window.BpmnJS !== "function") { return; }
  var saveButton = document.getElementById("modeler-save");
  var download = document.getElementById("modeler-download");
  var statusBox = document.getElementById("modeler-status");
  var keyInput = document.getElementById("process-key");
  var nameInput = document.getElementById("process-name");
  var csrf = document.querySelector("#modeler-form input[name=csrfmiddlewaretoken]");
  var options = { container: box, keyboard: { bindTo: document } };
  if (window.ZW_MODDLE) { options.moddleExtensions = { zw: window.ZW_MODDLE }; }
  var modeler = new window.BpmnJS(options);
  var panel = document.getElementById("zw-properties");
  var panelData = document.getElementById("zw-properties-data");
  if (panel && panelData && typeof window.zwProperties === "function") {
    var data = JSON.parse(panelData.textContent);
    window.zwProperties(modeler, panel, data.roles, data.labels);
  }
  var marked = null;

  function say(text, kind, link) {
    statusBox.textContent = "";
    var p = document.createElement("p");
    p.className = "message-" + kind;
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = box.dataset.msgOpen;
      p.appendChild(document.createTextNode(" "));
      p.appendChild(a);
    }
    statusBox.appendChild(p);
  }

  function unmark() {
    if (marked) {
      try { modeler.get("canvas").removeMarker(marked, "zw-error"); } catch (e) { /* gone */ }
      marked = null;
    }
  }

  function markError(elementId) {
    unmark();
    var el = elementId && modeler.get("elementRegistry").get(elementId);
    if (el) {
      modeler.get("canvas").addMarker(elementId, "zw-error");
      modeler.get("selection").select(el);
      marked = elementId;
    }
  }

  function applyKeyAndName() {
    // A new diagram: the key and name typed above become the process id and name.
    if (!keyInput) { return true; }
    if (!keyInput.value.trim() || !nameInput.value.trim() || !keyInput.checkValidity()) {
      say(box.dataset.msgKey, "error");
      keyInput.focus();
      return false;
    }
    var root = modeler.get("canvas").getRootElement();
    var props = { name: nameInput.value.trim(), isExecutable: true };
    if (root.businessObject.id !== keyInput.value.trim()) { props.id = keyInput.value.trim(); }
    modeler.get("modeling").updateProperties(root, props);
    return true;
  }

  function save() {
    unmark();
    if (!applyKeyAndName()) { return; }
    saveButton.disabled = true;
    say(box.dataset.msgSaving, "info");
    modeler.saveXML({ format: true }).then(function (result) {
      return fetch(box.dataset.deployUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
        body: JSON.stringify({ xml: result.xml, filename: box.dataset.filename })
      }).then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) {
            say(data.message, "success", data.url);
          } else {
            var err = (data && data.error) || {};
            say(err.message || box.dataset.msgFailed, "error");
            markError(err.data && err.data.element_id);
          }
        }, function () { say(box.dataset.msgFailed, "error"); });
      }, function () { say(box.dataset.msgNetwork, "error"); });
    }).catch(function () {
      say(box.dataset.msgFailed, "error");
    }).then(function () { saveButton.disabled = false; });
  }

  download.addEventListener("click", function (event) {
    event.preventDefault();
    modeler.saveXML({ format: true }).then(function (result) {
      var url = URL.createObjectURL(new Blob([result.xml], { type: "application/xml" }));
      var a = document.createElement("a");
      a.href = url;
      a.download = download.getAttribute("download") || "process.bpmn";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
  });
  saveButton.addEventListener("click", save);

  modeler.importXML(JSON.parse(source.textContent)).then(function () {
    modeler.get("canvas").zoom("fit-viewport", "auto");
    saveButton.disabled = false;
    box.dataset.ready = "true";
  }).catch(function () {
    say(box.dataset.msgImport, "error");
  });
})();
