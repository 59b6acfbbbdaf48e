/* Moddle descriptor of Zhengwu's BPMN extension (namespace https://zhengwu.example/bpmn, prefix
 * zw), so bpmn-js reads and writes <zw:assignment>, <zw:field>, <zw:decisions>,
 * <zw:multiInstance> and <zw:timer> inside <bpmn:extensionElements> as typed objects.
 * docs/modules/workflow.md describes the attributes; zhengwu/workflow/diagram.py checks them.
 * Every attribute the server reads is declared, so nothing is dropped on a round trip.
 */
(function () {
  "use strict";
  function attrs(names) {
    return names.map(function (name) { return { name: name, isAttr: true, type: "String" }; });
  }
  window.ZW_MODDLE = {
    name: "Zhengwu",
    uri: "https://zhengwu.example/bpmn",
    prefix: "zw",
    xml: { tagAlias: "lowerCase" },
    associations: [],
    types: [
      { name: "Assignment", superClass: ["Element"],
        properties: attrs(["role", "organisation", "assignee", "limit"]) },
      { name: "Field", superClass: ["Element"],
        properties: attrs(["id", "label", "type", "access", "required", "choices"]) },
      { name: "Decisions", superClass: ["Element"], properties: attrs(["allowed"]) },
      { name: "MultiInstance", superClass: ["Element"],
        properties: attrs(["mode", "changeSigners"]) },
      { name: "Timer", superClass: ["Element"],
        properties: attrs(["beforeDue", "afterDue", "after", "repeat", "workdays", "times",
                           "sms", "action", "to", "role", "organisation"]) }
    ]
  };
})();
