/* Indicator charts (ECharts 5.6, vendored): the series against last year and the target, and
   the cumulative of a flow against the year's target pro rata. Data comes in data-chart. */
(function () {
  "use strict";
  if (!window.echarts) return;
  function vn(v, digits) {
    if (v === null || v === undefined) return "–";
    return Number(v).toLocaleString("vi-VN", { maximumFractionDigits: digits === undefined ? 1 : digits });
  }
  var BLUE = "#0b5cad", GREY = "#98a2b3", ORANGE = "#f5a623", GREEN = "#127a4a";
  function base(d) {
    return {
      animation: false,
      grid: { left: 64, right: 20, top: 36, bottom: 48 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return vn(v) + " " + d.unit; } },
      legend: { top: 0 },
      xAxis: { type: "category", data: d.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", scale: d.kind !== "flow", axisLabel: { formatter: function (v) { return vn(v, 0); } } }
    };
  }
  function series(d) {
    var o = base(d);
    o.series = [
      { name: "Kỳ này", type: "bar", data: d.values, itemStyle: { color: BLUE } },
      { name: "Cùng kỳ năm trước", type: "line", data: d.last_year, itemStyle: { color: GREY }, lineStyle: { type: "dashed" }, connectNulls: false }
    ];
    if (d.kind !== "flow" && d.targets.some(function (t) { return t !== null; })) {
      o.series.push({ name: "Kế hoạch", type: "line", step: "middle", data: d.targets, symbol: "none", itemStyle: { color: ORANGE } });
    }
    return o;
  }
  function cumulative(d) {
    var o = base(d);
    o.series = [
      { name: "Lũy kế", type: "line", data: d.cumulative, areaStyle: { opacity: 0.12 }, itemStyle: { color: GREEN } },
      { name: "Kế hoạch theo tiến độ", type: "line", data: d.pro_rata, symbol: "none", itemStyle: { color: ORANGE }, lineStyle: { type: "dashed" } },
      { name: "Kế hoạch năm", type: "line", data: d.targets, symbol: "none", step: "middle", itemStyle: { color: "#b42318" } }
    ];
    return o;
  }
  document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
    var d = JSON.parse(el.getAttribute("data-chart"));
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(el.getAttribute("data-mode") === "cumulative" ? cumulative(d) : series(d));
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
