// Draws every <canvas data-chart="ID"> with the Chart.js configuration in the JSON script
// element #ID (written by the server: results/charts.py). Charts inside content that htmx swaps
// in are drawn again; the canvas keeps its chart instance, so tests can read what was drawn with
// Chart.getChart(canvas).
(function () {
  "use strict";

  function draw(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) {
        return;
      }
      var previous = window.Chart.getChart(canvas);
      if (previous) {
        previous.destroy();
      }
      new window.Chart(canvas, JSON.parse(source.textContent));
      canvas.dataset.chartDrawn = "true";
    });
  }

  function start() {
    var defaults = window.Chart.defaults;
    defaults.font.family = "Sarabun, system-ui, sans-serif";
    defaults.font.size = 13;
    defaults.maintainAspectRatio = false; // the .chart-box around the canvas sets the height
    defaults.animation = window.matchMedia("(prefers-reduced-motion: reduce)").matches
      ? false
      : { duration: 400 };
    draw(document);
    document.body.addEventListener("htmx:afterSettle", function (event) {
      draw(event.target);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
