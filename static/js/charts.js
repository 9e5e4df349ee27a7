/* Report charts (Chart.js): every <canvas data-chart="{...}" data-chart-kind="..."> on the page.
   The chart data comes in the data-chart attribute, HTML-escaped by the template and parsed here
   as JSON, never as markup or script: a name with </script> or <img onerror> is only text. */
(function () {
  "use strict";

  function shorten(max) {
    return function (v) {
      var l = this.getLabelForValue(v), m = typeof max === "function" ? max() : max;
      return l.length > m ? l.slice(0, m - 1) + "…" : l;
    };
  }

  function stackedBars(data, thickness, maxLabel) {
    data.datasets.forEach(function (d) { d.borderRadius = 3; d.maxBarThickness = thickness; });
    return {
      type: "bar", data: data,
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { x: { stacked: true, ticks: { precision: 0 } },
                  y: { stacked: true, ticks: { autoSkip: false, callback: shorten(maxLabel) } } } }
    };
  }

  var KINDS = {
    activity: function (data) {
      var narrow = window.matchMedia("(max-width: 575.98px)").matches;
      return stackedBars(data, 20, narrow ? 16 : 32);
    },
    discipline: function (data) {
      return stackedBars(data, 22, function () { return window.innerWidth < 576 ? 16 : 28; });
    },
    advertising: function (data) {
      data.datasets[0].borderWidth = 2;
      return {
        type: "doughnut", data: data,
        options: { responsive: true, maintainAspectRatio: false, animation: false, cutout: "58%",
          plugins: { legend: { position: "bottom", labels: { boxWidth: 12, padding: 8 } },
            tooltip: { callbacks: { label: function (ctx) {
              var sum = ctx.dataset.data.reduce(function (a, b) { return a + b; }, 0);
              return " " + ctx.label + ": " + ctx.parsed + " (" + (100 * ctx.parsed / sum).toFixed(1) + "%)";
            } } } } }
      };
    },
    // The sales reports: the report says its type (bar, line, doughnut) and whether bars stack.
    sales: function (data) {
      var type = data.type || "bar", stacked = !!data.stacked;
      var options = { responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } };
      if (type !== "doughnut") {
        options.scales = { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } };
      }
      return { type: type, data: { labels: data.labels, datasets: data.datasets }, options: options };
    }
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var make = KINDS[canvas.getAttribute("data-chart-kind")];
    if (!make || !window.Chart) { return; }
    new window.Chart(canvas, make(JSON.parse(canvas.getAttribute("data-chart"))));
  });
})();
