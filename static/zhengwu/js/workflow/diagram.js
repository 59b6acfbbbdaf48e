/* Read-only BPMN diagram (vendored bpmn-js NavigatedViewer, global BpmnJS).
 *
 * <div id="bpmn-viewer" data-xml-url="…">      draws the stored XML of a definition;
 * <div id="bpmn-viewer" data-diagram-url="…">  draws an instance: JSON {xml, completed, active};
 * elements run so far get the marker "zw-done" (and the sequence flows between them), the steps
 * waiting now "zw-active". Colours are in static/zhengwu/css/workflow.css.
 */
(function () {
  "use strict";
  var box = document.getElementById("bpmn-viewer");
  if (!box || typeof window.BpmnJS !== "function") { return; }

  function fail() {
    box.classList.add("zw-diagram-failed");
    box.textContent = box.dataset.error || "";
  }

  function mark(viewer, completed, active) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var done = new Set(completed || []);
    var waiting = new Set(active || []);
    done.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "zw-done"); } });
    waiting.forEach(function (id) {
      if (registry.get(id)) { canvas.removeMarker(id, "zw-done"); canvas.addMarker(id, "zw-active"); }
    });
    // A flow was taken when its source ran and its target ran or waits now.
    registry.filter(function (el) { return el.type === "bpmn:SequenceFlow"; }).forEach(function (flow) {
      var source = flow.source && flow.source.id;
      var target = flow.target && flow.target.id;
      if (done.has(source) && (done.has(target) || waiting.has(target))) {
        canvas.addMarker(flow.id, "zw-done");
      }
    });
  }

  function draw(xml, completed, active) {
    var viewer = new window.BpmnJS({ container: box });
    return viewer.importXML(xml).then(function () {
      viewer.get("canvas").zoom("fit-viewport", "auto");
      mark(viewer, completed, active);
      box.dataset.ready = "true";
    });
  }

  var request;
  if (box.dataset.diagramUrl) {
    request = fetch(box.dataset.diagramUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { return draw(data.xml, data.completed, data.active); });
  } else {
    request = fetch(box.dataset.xmlUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (xml) { return draw(xml, [], []); });
  }
  request.catch(fail);
})();
