/* Supervision dashboard charts (ECharts, vendored). The tables under each chart hold the same
   numbers and their drill-down links, so the page works without JavaScript. */
(function () {
  "use strict";
  var el = document.getElementById("chart-departments");
  if (!el || typeof echarts === "undefined") { return; }
  var labels = JSON.parse(document.getElementById("sup-labels").textContent);
  function chart(id) { var node = document.getElementById(id); return node ? echarts.init(node) : null; }
  fetch(el.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var orgs = data.by_organisation;
      var dept = chart("chart-departments");
      dept.setOption({
        tooltip: { trigger: "axis" }, legend: {},
        xAxis: { type: "category", data: orgs.map(function (r) { return r.organisation; }),
                 axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value" },
        series: ["green", "yellow", "red"].map(function (c) {
          return { name: labels[c], type: "bar", stack: "all",
                   itemStyle: { color: { green: "#2e7d32", yellow: "#f9a825", red: "#b71c1c" }[c] },
                   data: orgs.map(function (r) { return r[c]; }) };
        })
      });
      // Drill down: a click on a bar opens the list of the time limits behind it.
      dept.on("click", function (p) {
        var colour = ["green", "yellow", "red"][p.seriesIndex];
        var row = orgs[p.dataIndex];
        var url = new URL(el.dataset.url, window.location.href);
        url.pathname = url.pathname.replace(/data\/$/, "clocks/");
        url.searchParams.set("organisation", row.organisation_id || "");
        url.searchParams.set("colour", colour);
        window.location.href = url.toString();
      });
      var times = chart("chart-times");
      if (times) {
        times.setOption({
          tooltip: { trigger: "axis" }, legend: {},
          xAxis: { type: "category", data: data.times.map(function (r) { return r.name; }) },
          yAxis: { type: "value" },
          series: [
            { name: labels.avg, type: "bar", data: data.times.map(function (r) { return r.avg; }) },
            { name: labels.p90, type: "bar", data: data.times.map(function (r) { return r.p90; }) }
          ]
        });
      }
      var trend = chart("chart-trend");
      if (trend) {
        trend.setOption({
          tooltip: { trigger: "axis" }, legend: {},
          xAxis: { type: "category", data: data.trend.map(function (r) { return r.month; }) },
          yAxis: { type: "value" },
          series: [
            { name: labels.total, type: "line", data: data.trend.map(function (r) { return r.total; }) },
            { name: labels.late, type: "line", data: data.trend.map(function (r) { return r.late; }) }
          ]
        });
      }
    });
}());
