/* The IOC operations screen: the map (Leaflet + markercluster), the charts (ECharts), the live
   stream (server-sent events) and the TV mode. Data from /admin/ioc/data.json (charts, cameras, the map's
   extent and layers) and /admin/ioc/map.json (the reports in view); the tiles come with the page
   and then from the stream. No inline script. */
(function () {
  "use strict";
  var root = document.getElementById("ioc-map");
  if (!root) return;
  var NF = new Intl.NumberFormat("vi-VN"), NF1 = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });
  var PALETTE = ["#0b5cad", "#d92d20", "#079455", "#dc6803", "#7a5af8", "#0e9384", "#c11574", "#475467"];
  var colors = {}, charts = [], layers = {}, map, seen = {};

  function color(code) {
    if (!colors[code]) colors[code] = PALETTE[Object.keys(colors).length % PALETTE.length];
    return colors[code];
  }
  function dateVN(iso) { var p = iso.split("-"); return p[2] + "/" + p[1]; }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }

  // A map point [code, lat, lon, category index, overdue] (map.json's compact rows).
  function marker(code, lat, lon, cat, overdue) {
    var m = L.circleMarker([lat, lon], { radius: 7, weight: overdue ? 3 : 1, color: overdue ? "#b42318" : "#fff",
      fillOpacity: 0.9, fillColor: color(cat.code) });
    m.bindTooltip(code + " · " + cat.name + (overdue ? " · quá hạn" : ""));
    m.on("click", function () { window.location.href = "/admin/reports/" + encodeURIComponent(code); });
    return m;
  }

  // A cluster the server counted [category index, lat, lon, reports, overdue]: a click zooms in.
  function clusterMarker(cat, lat, lon, n, overdue) {
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large", px = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48;
    var icon = L.divIcon({ html: "<div style=\"background:" + color(cat.code) + "\"><span>" + NF.format(n) + "</span></div>",
      className: "marker-cluster server-cluster marker-cluster-" + size, iconSize: L.point(px, px) });
    var m = L.marker([lat, lon], { icon: icon, keyboard: false });
    m.bindTooltip(cat.name + ": " + NF.format(n) + " phản ánh" + (overdue ? ", " + NF.format(overdue) + " quá hạn" : ""));
    m.on("click", function () { map.setView([lat, lon], Math.min(map.getZoom() + 2, 18)); });
    return m;
  }

  var CAMERA_COLORS = { online: "#079455", offline: "#d92d20", unknown: "#98a2b3" };
  var CAMERA_LABELS = { online: "trực tuyến", offline: "mất kết nối", unknown: "chưa rõ" };

  function cameraLayer(cameras) {
    var group = L.layerGroup();
    cameras.forEach(function (c) {
      var m = L.circleMarker([c.lat, c.lon], { radius: 8, weight: c.incident ? 3 : 2, color: "#101828",
        fillOpacity: 1, fillColor: CAMERA_COLORS[c.status] || "#98a2b3", className: "camera-marker" });
      m.bindTooltip("Camera " + c.name + " · " + (CAMERA_LABELS[c.status] || c.status));
      m.on("click", function () { window.location.href = "/admin/cameras"; });
      group.addLayer(m);
    });
    return group;
  }

  // One switchable layer per category: its reports (grouped in the browser when they overlap)
  // and the server's clusters (drawn as they are).
  function layerFor(code) {
    if (!layers[code]) {
      var group = L.layerGroup().addTo(map);
      group.points = L.markerClusterGroup({ maxClusterRadius: 45 }).addTo(group);
      group.clusters = L.layerGroup().addTo(group);
      layers[code] = group;
    }
    return layers[code];
  }

  // The open reports in view from /admin/ioc/map.json: the reports themselves when few, else the
  // server's clusters (the screen never loads thousands of points it cannot show).
  var viewSeq = 0, reloadTimer = null, mode = "points";
  function loadView() {
    var seq = ++viewSeq;
    var url = "/admin/ioc/map.json?bbox=" + encodeURIComponent(map.getBounds().toBBoxString()) + "&zoom=" + map.getZoom();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (view) {
        if (seq !== viewSeq) return;  // an older answer after the map moved on
        var cats = view.categories.map(function (c) { return { code: c[0], name: c[1] }; });
        Object.keys(layers).forEach(function (code) { layers[code].points.clearLayers(); layers[code].clusters.clearLayers(); });
        seen = {};
        mode = view.mode;
        view.items.forEach(function (it) {
          if (view.mode === "points") {
            var cat = cats[it[3]] || { code: "?", name: "" };
            layerFor(cat.code).points.addLayer(marker(it[0], it[1], it[2], cat, it[4]));
            seen[it[0]] = true;
          } else {
            var c = cats[it[0]] || { code: "?", name: "" };
            layerFor(c.code).clusters.addLayer(clusterMarker(c, it[1], it[2], it[3], it[4]));
          }
        });
        root.dataset.mode = view.mode;
      });
  }
  function reloadSoon() {
    if (reloadTimer) return;
    reloadTimer = setTimeout(function () { reloadTimer = null; loadView(); }, 3000);
  }

  function buildMap(extent, layerList, cameras) {
    map = L.map(root, { maxZoom: 18 });
    var tiles = root.dataset.tiles;
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(map);
    var overlays = {};
    layerList.forEach(function (l) {
      var label = "<span style=\"color:" + color(l[0]) + "\">●</span> " + l[1] + " (" + NF.format(l[2]) + ")";
      overlays[label] = layerFor(l[0]);
    });
    if (cameras && cameras.length) { overlays["📷 Camera"] = cameraLayer(cameras).addTo(map); }
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    if (extent && (extent[0] !== extent[2] || extent[1] !== extent[3])) {
      map.fitBounds([[extent[0], extent[1]], [extent[2], extent[3]]], { padding: [20, 20], maxZoom: 14 });
    } else {
      map.setView(extent ? [extent[0], extent[1]] : [12.6675, 108.0378], 13);
    }
    map.on("moveend", loadView);
    return loadView();
  }

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var c = echarts.init(node, null, { renderer: "canvas" });
    ["xAxis", "yAxis"].forEach(function (axis) {  // Vietnamese numbers on value axes (1.234,5)
      var a = option[axis];
      if (a && a.type === "value" && !(a.axisLabel && a.axisLabel.formatter)) {
        a.axisLabel = { formatter: function (v) { return NF1.format(v); } };
      }
    });
    c.setOption(Object.assign({ grid: { left: 48, right: 16, top: 28, bottom: 36, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : NF1.format(v); } } }, option));
    charts.push(c);
  }

  function buildCharts(data) {
    var d = data.daily;
    chart("chart-daily", { legend: { data: ["Tiếp nhận", "Đã xử lý"] },
      xAxis: { type: "category", data: d.map(function (r) { return dateVN(r.day); }) },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return NF.format(v); } } },
      series: [{ name: "Tiếp nhận", type: "line", smooth: true, data: d.map(function (r) { return r.received; }) },
               { name: "Đã xử lý", type: "line", smooth: true, data: d.map(function (r) { return r.resolved; }) }] });
    var cat = data.by_category.slice(0, 12).reverse();
    chart("chart-category", { xAxis: { type: "value" }, yAxis: { type: "category", data: cat.map(function (r) { return r.name; }) },
      series: [{ name: "Tiếp nhận", type: "bar", data: cat.map(function (r) { return { value: r.received, itemStyle: { color: color(r.code) } }; }) }] });
    var ward = data.by_ward.slice().reverse();
    chart("chart-ward", { xAxis: { type: "value" }, yAxis: { type: "category", data: ward.map(function (r) { return r.name; }) },
      series: [{ name: "Tiếp nhận", type: "bar", data: ward.map(function (r) { return r.received; }) }] });
    var ag = data.on_time_by_agency.slice(0, 15);
    chart("chart-agency", { xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
      yAxis: { type: "category", data: ag.map(function (r) { return r.name; }) },
      series: [{ name: "Đúng hạn (%)", type: "bar", data: ag.map(function (r) {
        return { value: r.on_time_pct, itemStyle: { color: r.on_time_pct >= 90 ? "#079455" : r.on_time_pct >= 70 ? "#dc6803" : "#d92d20" } }; }) }] });
    var s = data.satisfaction;
    chart("chart-satisfaction", { xAxis: { type: "category", data: s.map(function (r) { return dateVN(r.week); }) },
      yAxis: { type: "value", min: 1, max: 5 },
      series: [{ name: "Số sao trung bình", type: "line", connectNulls: true, data: s.map(function (r) { return r.satisfaction; }) }] });
    if (data.traffic && data.traffic.length) {
      var times = {};
      data.traffic.forEach(function (c) { c.series.forEach(function (p) { times[p.time] = true; }); });
      var axis = Object.keys(times).sort();
      document.getElementById("chart-traffic").textContent = "";
      chart("chart-traffic", { legend: { type: "scroll" }, xAxis: { type: "category", data: axis }, yAxis: { type: "value", name: "xe/giờ" },
        series: data.traffic.map(function (c) {
          var by = {}; c.series.forEach(function (p) { by[p.time] = p.vehicles_per_hour; });
          return { name: c.name, type: "line", data: axis.map(function (t) { return by[t] == null ? null : by[t]; }) };
        }) });
    }
    if (data.indicators && data.indicators.length) {
      var ind = data.indicators.slice().reverse();
      document.getElementById("chart-indicators").textContent = "";
      chart("chart-indicators", { xAxis: { type: "value", axisLabel: { formatter: "{value} %" } },
        yAxis: { type: "category", data: ind.map(function (r) { return r.name; }) },
        series: [{ name: "% kế hoạch", type: "bar", data: ind.map(function (r) {
          return { value: r.pct_of_target, itemStyle: { color: r.pct_of_target >= 100 ? "#079455" : "#dc6803" } }; }) }] });
    }
  }

  function setTiles(summary) {
    document.querySelectorAll("[data-k]").forEach(function (node) {
      var path = node.dataset.k.split("."), v = summary;
      path.forEach(function (k) { v = v == null ? v : v[k]; });
      if (typeof v === "number") node.textContent = NF.format(v);
    });
  }

  function addFeed(item) {
    var feed = document.getElementById("ioc-feed");
    var li = el("li", null, "fresh"), a = el("a", item.code);
    a.href = "/admin/reports/" + encodeURIComponent(item.code);
    li.appendChild(a);
    li.appendChild(document.createTextNode(" · " + item.category_name + (item.address ? " · " + item.address : "")));
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > 30) feed.removeChild(feed.lastChild);
  }

  var INCIDENT_LABELS = { down: "ngừng hoạt động", defaced: "bị thay đổi nội dung", cert_expiring: "chứng chỉ sắp hết hạn", slow: "chậm" };

  function addNotice(text, href) {
    var feed = document.getElementById("ioc-feed");
    var li = el("li", null, "fresh notice"), a = el("a", text);
    a.href = href;
    li.appendChild(a);
    feed.insertBefore(li, feed.firstChild);
  }

  function live() {
    var badge = document.getElementById("ioc-live");
    var source = new EventSource("/admin/ioc/stream");
    source.addEventListener("open", function () { badge.dataset.state = "live"; badge.textContent = "Trực tiếp"; });
    source.addEventListener("error", function () { badge.dataset.state = "error"; badge.textContent = "Mất kết nối, đang thử lại…"; });
    source.addEventListener("report", function (ev) {
      var item = JSON.parse(ev.data);
      addFeed(item);
      if (item.lat == null || seen[item.code] || !map.getBounds().contains([item.lat, item.lon])) return;
      if (mode === "points") {
        seen[item.code] = true;
        layerFor(item.category).points.addLayer(marker(item.code, item.lat, item.lon,
          { code: item.category, name: item.category_name }, item.overdue));
      } else {
        reloadSoon();  // the clusters' counts change: ask again (once for a burst)
      }
    });
    source.addEventListener("camera_candidate", function (ev) {
      var c = JSON.parse(ev.data);
      addNotice("Camera " + c.camera_name + ": " + c.label + " chờ xác minh", "/admin/cameras");
    });
    source.addEventListener("incident", function (ev) {
      var i = JSON.parse(ev.data);
      addNotice("Sự cố trang web " + i.site + " (" + (INCIDENT_LABELS[i.kind] || i.kind) + ")", "/admin/monitoring");
    });
    source.addEventListener("summary", function (ev) { setTiles(JSON.parse(ev.data)); });
  }

  function tvMode() {
    if (!document.body.classList.contains("tv")) return;
    var panels = Array.prototype.slice.call(document.querySelectorAll(".ioc-grid > .panel:not(.panel-map)"));
    var i = 0;
    function show() {
      panels.forEach(function (p, j) { p.classList.toggle("shown", j === i || j === (i + 1) % panels.length); });
      charts.forEach(function (c) { c.resize(); });
      i = (i + 2) % panels.length;
    }
    show();
    setInterval(show, 15000);
    document.getElementById("ioc-tv").addEventListener("click", function (e) {
      e.preventDefault();
      if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
    });
  }

  fetch("/admin/ioc/data.json", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (data) {
      buildCharts(data.charts);
      tvMode();
      return buildMap(data.extent, data.layers, data.cameras);
    })
    .then(function () { root.dataset.ready = "1"; live(); })
    .catch(function (err) { root.textContent = "Không tải được dữ liệu: " + (err && err.message ? err.message : err); if (window.console) console.error(err); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
