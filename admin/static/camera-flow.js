// The traffic-flow chart of one camera's page (no inline script: CSP script-src 'self').
(function () {
  var el = document.getElementById('flow-chart');
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.dataset.chart || '{"labels": [], "series": {}}');
  var chart = echarts.init(el);
  var series = Object.keys(data.series).map(function (d) {
    return {name: d, type: 'line', smooth: true, data: data.series[d], connectNulls: true};
  });
  chart.setOption({
    tooltip: {trigger: 'axis'}, legend: {top: 0}, grid: {left: 50, right: 16, top: 36, bottom: 28},
    xAxis: {type: 'category', data: data.labels}, yAxis: {type: 'value', name: 'xcqđ/h'}, series: series
  });
  window.addEventListener('resize', function () { chart.resize(); });
})();
