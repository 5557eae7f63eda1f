/* PhanAnh front-end: maps (Leaflet, optional tiles), the hotline desk, the phone reveal. */
(function () {
  "use strict";
  function debounce(fn, ms) { var t; return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); }; }
  function getJSON(url) { return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }); }
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; }); }

  function baseMap(el) {
    var map = L.map(el, { scrollWheelZoom: false });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(map); }
    return map;
  }

  var PA = {};
  PA.maps = function () {
    if (!window.L) return;
    document.querySelectorAll(".map[data-points]").forEach(function (el) {
      var points = JSON.parse(el.getAttribute("data-points") || "[]");
      var map = baseMap(el), bounds = [];
      points.forEach(function (p) {
        var m = L.circleMarker([p.lat, p.lon], { radius: p.other ? 7 : 9, color: "#fff", weight: 2, fillOpacity: 0.95,
          fillColor: p.other ? "#98a2b3" : (p.color || "#0b5cad") }).addTo(map);
        m.bindTooltip(esc(p.label));
        if (p.url) m.on("click", function () { window.location = p.url; });
        bounds.push([p.lat, p.lon]);
      });
      if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
      else if (bounds.length === 1) map.setView(bounds[0], 15);
      else map.setView([12.67, 108.04], 11);
    });
  };

  PA.pick = function () {
    var el = document.getElementById("pickmap");
    if (!window.L || !el) return;
    var map = baseMap(el), marker = null;
    map.setView([12.67, 108.04], 12);
    map.on("click", function (e) {
      document.getElementById("latitude").value = e.latlng.lat.toFixed(6);
      document.getElementById("longitude").value = e.latlng.lng.toFixed(6);
      if (marker) marker.setLatLng(e.latlng); else marker = L.circleMarker(e.latlng, { radius: 9, color: "#fff", weight: 2, fillColor: "#b42318", fillOpacity: 1 }).addTo(map);
      document.getElementById("picked").textContent = "Đã chọn điểm " + e.latlng.lat.toFixed(5) + ", " + e.latlng.lng.toFixed(5);
    });
  };

  PA.contact = function () {
    var btn = document.getElementById("show-phone");
    if (!btn) return;
    btn.addEventListener("click", function () {
      fetch(btn.getAttribute("data-url"), { method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": btn.getAttribute("data-csrf"), Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { if (d && d.phone) { document.getElementById("phone").innerHTML = '<a href="tel:' + esc(d.phone) + '">' + esc(d.phone) + "</a>"; btn.remove(); } });
    });
  };

  PA.desk = function () {
    var desc = document.getElementById("description"), select = document.getElementById("category"),
        auto = document.getElementById("category_auto"), hint = document.getElementById("nlu-hint"),
        address = document.getElementById("address"), list = document.getElementById("places"),
        nearby = document.getElementById("nearby");
    if (!desc) return;
    select.addEventListener("change", function () { auto.value = "0"; hint.textContent = "(tổng đài viên chọn)"; });
    var classify = debounce(function () {
      if (desc.value.trim().length < 6) return;
      getJSON("/admin/api/classify?text=" + encodeURIComponent(desc.value)).then(function (d) {
        if (!d || !d.category) return;
        if (auto.value === "1") { select.value = d.category; select.setAttribute("data-nlu", d.category); }
        hint.textContent = "· máy gợi ý " + Math.round(d.confidence * 100) + "%" + (d.unsure ? " (chưa chắc, hãy kiểm tra)" : "");
        checkNearby();
      });
    }, 350);
    desc.addEventListener("input", classify);
    var places = debounce(function () {
      var q = address.value.trim(); if (q.length < 2) return;
      var last = q.split(",").pop().trim() || q;
      getJSON("/admin/api/places?q=" + encodeURIComponent(last)).then(function (d) {
        if (!d) return; list.innerHTML = "";
        d.items.forEach(function (it) {
          var o = document.createElement("option");
          var head = q.indexOf(",") >= 0 ? q.slice(0, q.lastIndexOf(",") + 1) + " " : "";
          o.value = head + (it.label || it.name); list.appendChild(o);
        });
      });
      checkNearby();
    }, 300);
    address.addEventListener("input", places);
    var checkNearby = debounce(function () {
      if (address.value.trim().length < 4) { nearby.hidden = true; return; }
      getJSON("/admin/api/nearby?address=" + encodeURIComponent(address.value) + "&category=" + encodeURIComponent(select.value)).then(function (d) {
        if (!d) { nearby.hidden = true; return; }
        var place = d.place && d.place.precision_label ? "<p>Vị trí tìm được: " + esc(d.place.precision_label) + "</p>" : "";
        if (!d.items.length) { nearby.innerHTML = place; nearby.hidden = !place; return; }
        nearby.innerHTML = place + "<strong>Có phản ánh tương tự đang mở gần đó:</strong> " + d.items.map(function (r) {
          return '<a href="/admin/reports/' + esc(r.code) + '" target="_blank">' + esc(r.code) + "</a> (" + esc(r.category) + ": " + esc(r.description) + ")";
        }).join("; ");
        nearby.hidden = false;
      });
    }, 500);
  };

  /* live countdowns */
  function tick() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var ms = new Date(el.getAttribute("data-due")) - new Date(), abs = Math.abs(ms) / 60000;
      var d = Math.floor(abs / 1440), h = Math.floor((abs % 1440) / 60), m = Math.floor(abs % 60);
      var s = d ? d + " ngày " + h + " giờ" : (h ? h + " giờ " + m + " phút" : m + " phút");
      el.textContent = (ms >= 0 ? "còn " : "quá hạn ") + s;
      el.classList.toggle("late", ms < 0);
    });
  }
  setInterval(tick, 60000);
  window.PA = PA;
})();

// A filter list that applies itself when changed (no inline handler: CSP script-src 'self').
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
