/* Properties panel of the process editor for Zhengwu's zw: extension on user tasks.
 *
 * window.zwProperties(modeler, panel, roles, labels): when one user task is selected, the panel
 * shows who does it (a role + the organisation scope: the handling organisation, its parent or a
 * fixed one by code; or the initiator), the time limit in working days, the decisions offered
 * and the form fields (zw:field rows). Every change is written at once into the element's
 * extensionElements with bpmn-js's moddle and modeling (so undo/redo work); other extension
 * elements (zw:multiInstance, vendor extensions) are kept as they are.
 * No external library: plain DOM, vendored bpmn-js only.
 */
(function () {
  "use strict";
  var ZW = ["zw:Assignment", "zw:Decisions", "zw:Field"];
  var DECISIONS = ["approve", "reject", "send_back"];
  var TYPES = ["string", "text", "number", "date", "boolean", "enum"];
  var ACCESS = ["editable", "readonly", "hidden"];

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") { node.textContent = props[k]; }
      else if (k in node && k !== "list") { node[k] = props[k]; }
      else { node.setAttribute(k, props[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function labelled(text, control) {
    return el("label", {}, [document.createTextNode(text + " "), control]);
  }

  function select(name, options, value) {
    var s = el("select", { name: name });
    options.forEach(function (o) {
      s.appendChild(el("option", { value: o[0], text: o[1], selected: o[0] === value }));
    });
    return s;
  }

  window.zwProperties = function (modeler, panel, roles, t) {
    var moddle = modeler.get("moddle");
    var modeling = modeler.get("modeling");
    var current = null;

    function extensions(bo) {
      return (bo.extensionElements && bo.extensionElements.get("values")) || [];
    }

    function read(bo) {
      var values = extensions(bo);
      var find = function (type) { return values.filter(function (v) { return v.$type === type; }); };
      var a = find("zw:Assignment")[0];
      var d = find("zw:Decisions")[0];
      return {
        assignment: a ? { role: a.role || "", organisation: a.organisation || "handling",
                          assignee: a.assignee || "", limit: a.limit || "" } : null,
        decisions: d && d.allowed ? d.allowed.split(",").map(function (x) { return x.trim(); })
          : ["approve", "reject"],
        fields: find("zw:Field").map(function (f) {
          return { id: f.id || "", label: f.label || "", type: f.type || "string",
                   access: f.access || "editable", required: f.required === "true",
                   choices: f.choices || "" };
        })
      };
    }

    function write(state) {
      if (!current) { return; }
      var bo = current.businessObject;
      var kept = extensions(bo).filter(function (v) { return ZW.indexOf(v.$type) < 0; });
      var values = kept.slice();
      var a = state.assignment;
      if (a && (a.role || a.assignee)) {
        var props = {};
        if (a.assignee) { props.assignee = a.assignee; }
        else { props.role = a.role; props.organisation = a.organisation || "handling"; }
        if (a.limit) { props.limit = String(a.limit); }
        values.push(moddle.create("zw:Assignment", props));
      }
      var decisions = state.decisions.join(",");
      if (decisions && decisions !== "approve,reject") {
        values.push(moddle.create("zw:Decisions", { allowed: decisions }));
      }
      state.fields.forEach(function (f) {
        if (!f.id) { return; }
        var props = { id: f.id, label: f.label || f.id, type: f.type, access: f.access };
        if (f.required) { props.required = "true"; }
        if (f.type === "enum" && f.choices) { props.choices = f.choices; }
        values.push(moddle.create("zw:Field", props));
      });
      var ext = values.length ? moddle.create("bpmn:ExtensionElements", { values: values }) : undefined;
      if (ext) { values.forEach(function (v) { v.$parent = ext; }); }
      modeling.updateProperties(current, { extensionElements: ext });
    }

    function collect() {
      var form = panel.querySelector("form");
      var who = form.elements.who.value;
      var scope = form.elements.scope.value;
      var fixed = form.elements.fixed.value.trim();
      var state = {
        assignment: null,
        decisions: DECISIONS.filter(function (d) { return form.elements["decision_" + d].checked; }),
        fields: []
      };
      if (who) {
        state.assignment = {
          role: who.indexOf("role:") === 0 ? who.slice(5) : "",
          assignee: who.indexOf("role:") === 0 ? "" : who,
          organisation: scope === "fixed" ? "fixed:" + fixed : scope,
          limit: form.elements.limit.value.trim()
        };
      }
      panel.querySelectorAll("tr.zw-field-row").forEach(function (row) {
        var q = function (n) { return row.querySelector("[name=" + n + "]"); };
        state.fields.push({ id: q("fid").value.trim(), label: q("flabel").value.trim(),
                            type: q("ftype").value, access: q("faccess").value,
                            required: q("frequired").checked, choices: q("fchoices").value.trim() });
      });
      return state;
    }

    function fieldRow(f) {
      var remove = el("button", { type: "button", className: "button button-secondary",
                                  text: t.remove });
      var row = el("tr", { className: "zw-field-row" }, [
        el("td", {}, [el("input", { name: "fid", value: f.id, size: 8, "aria-label": t.fieldId,
                                    pattern: "[A-Za-z_][A-Za-z0-9_]*" })]),
        el("td", {}, [el("input", { name: "flabel", value: f.label, size: 10,
                                    "aria-label": t.fieldLabel })]),
        el("td", {}, [select("ftype", TYPES.map(function (x) { return [x, t.types[x] || x]; }),
                             f.type)]),
        el("td", {}, [select("faccess", ACCESS.map(function (x) { return [x, t.access[x]]; }),
                             f.access)]),
        el("td", {}, [el("input", { type: "checkbox", name: "frequired", checked: f.required,
                                    "aria-label": t.required })]),
        el("td", {}, [el("input", { name: "fchoices", value: f.choices, size: 8,
                                    "aria-label": t.choices })]),
        el("td", {}, [remove])
      ]);
      remove.addEventListener("click", function () { row.remove(); write(collect()); });
      return row;
    }

    function render(element) {
      current = element;
      panel.textContent = "";
      if (!element) {
        panel.appendChild(el("p", { className: "meta", text: t.hint }));
        panel.dataset.element = "";
        return;
      }
      var bo = element.businessObject;
      var state = read(bo);
      var a = state.assignment || { role: "", organisation: "handling", assignee: "", limit: "" };
      var who = a.assignee || (a.role ? "role:" + a.role : "");
      var whoOptions = [["", t.unassigned]].concat(
        roles.map(function (r) { return ["role:" + r.code, r.name + "（" + r.code + "）"]; }),
        [["initiator", t.initiator]]);
      if (a.assignee && a.assignee !== "initiator") { whoOptions.push([a.assignee, a.assignee]); }
      if (a.role && !roles.some(function (r) { return r.code === a.role; })) {
        whoOptions.push(["role:" + a.role, a.role]);
      }
      var org = a.organisation || "handling";
      var scope = org.indexOf("fixed:") === 0 ? "fixed" : org;
      var scopeSelect = select("scope", [["handling", t.handling], ["handling_parent", t.parent],
                                         ["fixed", t.fixed]], scope);
      var fixed = el("input", { name: "fixed", value: scope === "fixed" ? org.slice(6) : "",
                                size: 12 });
      var tbody = el("tbody", {}, state.fields.map(fieldRow));
      var add = el("button", { type: "button", className: "button button-secondary",
                               text: t.addField });
      var form = el("form", { className: "form" }, [
        el("h2", { text: t.title }),
        el("p", { className: "meta", text: (bo.name || "") + "（" + bo.id + "）" }),
        el("p", {}, [labelled(t.who, select("who", whoOptions, who))]),
        el("p", {}, [labelled(t.scope, scopeSelect)]),
        el("p", {}, [labelled(t.fixedCode, fixed)]),
        el("p", {}, [labelled(t.limit, el("input", { name: "limit", type: "number", min: 0,
                                                      max: 365, value: a.limit }))]),
        el("fieldset", {}, [el("legend", { text: t.decisions })].concat(
          DECISIONS.map(function (d) {
            return labelled(t.decision[d], el("input", {
              type: "checkbox", name: "decision_" + d, checked: state.decisions.indexOf(d) >= 0 }));
          }))),
        el("fieldset", {}, [el("legend", { text: t.fields }),
          el("div", { className: "table-wrap" }, [el("table", { className: "data-table" }, [
            el("thead", {}, [el("tr", {}, [t.fieldId, t.fieldLabel, t.type, t.accessLabel,
                                           t.required, t.choices, ""].map(function (h) {
              return el("th", { scope: "col", text: h });
            }))]), tbody])]),
          add])
      ]);
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      form.addEventListener("change", function () { write(collect()); });
      add.addEventListener("click", function () {
        tbody.appendChild(fieldRow({ id: "", label: "", type: "string", access: "editable",
                                     required: false, choices: "" }));
      });
      panel.appendChild(form);
      panel.dataset.element = bo.id;
    }

    modeler.get("eventBus").on("selection.changed", function (e) {
      var sel = e.newSelection || [];
      render(sel.length === 1 && sel[0].type === "bpmn:UserTask" ? sel[0] : null);
    });
    render(null);
  };
})();
