// The response-time chart of one site's page (no inline script: CSP script-src 'self').
(function () {
  var el = document.getElementById('rt-chart');
  if (!el || !window.echarts) return;
  var points = JSON.parse(el.dataset.points || '[]');
  var chart = echarts.init(el, null, {renderer: 'svg'});
  chart.setOption({
    grid: {left: 50, right: 16, top: 20, bottom: 30},
    tooltip: {trigger: 'axis', valueFormatter: function (v) { return v == null ? 'không đạt' : v + ' ms'; }},
    xAxis: {type: 'category', data: points.map(function (p) { return p[0]; })},
    yAxis: {type: 'value', name: 'ms'},
    series: [{type: 'line', name: 'Phản hồi', data: points.map(function (p) { return p[1]; }), showSymbol: false,
              connectNulls: false, areaStyle: {opacity: .12}}]
  });
  window.addEventListener('resize', function () { chart.resize(); });
})();
