// Swagger UI for /docs, from the project's own copy (no CDN: the IOC's network is closed).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: document.body.dataset.openapi,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    oauth2RedirectUrl: window.location.origin + "/docs-assets/oauth2-redirect.html",
    presets: [SwaggerUIBundle.presets.apis],
  });
});
