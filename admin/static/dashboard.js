// The managers' dashboard charts (ECharts, served by the app). The figures come from the JSON
// the page embeds in <script type="application/json" id="dashboard-data">: no inline script,
// so the page works under a Content-Security-Policy of script-src 'self'.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var palette = ["#0b5cad", "#2ba471", "#e37318", "#d54941", "#7a5af8", "#0594fa", "#86909c"];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var empty = option === null;
    if (empty) {
      element.classList.add("empty");
      element.textContent = "本期暂无数据";
      return;
    }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    option.color = option.color || palette;
    option.animation = false; // drawn at once: screenshots and printing see the whole chart
    chart.setOption(option);
    charts.push(chart);
  }

  function trend(t) {
    if (!t.months.length) { return null; }
    return {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 72 },
      xAxis: { type: "category", data: t.months },
      yAxis: { type: "value", name: "得分", scale: true },
      series: t.series.map(function (s) {
        var centre = s.name === "全中心";
        return {
          name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 6,
          lineStyle: centre ? { type: "dashed", width: 3 } : { width: 2 },
        };
      }),
    };
  }

  function ranking(r) {
    if (!r.names.length) { return null; }
    var names = r.names.slice().reverse();
    var scores = r.scores.slice().reverse();
    var bounds = r.low.map(function (low, i) { return [low, r.high[i]]; }).reverse();
    return {
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (items) {
          var i = items[0].dataIndex;
          return names[i] + "<br>得分 " + scores[i] + "<br>区间 " + bounds[i][0] + " – " + bounds[i][1];
        },
      },
      grid: { left: 110, right: 24, top: 8, bottom: 32 },
      xAxis: { type: "value", min: 0, max: 100, name: "得分" },
      yAxis: { type: "category", data: names },
      series: [
        { name: "得分", type: "bar", data: scores, barWidth: "55%", itemStyle: { color: "#9cc1e8" } },
        {
          name: "可信区间", type: "custom", z: 10, data: bounds.map(function (b, i) { return [b[0], b[1], i]; }),
          encode: { x: [0, 1], y: 2 },
          renderItem: function (params, api) {
            var low = api.coord([api.value(0), api.value(2)]);
            var high = api.coord([api.value(1), api.value(2)]);
            var half = api.size([0, 1])[1] * 0.2;
            var style = { stroke: "#0b5cad", lineWidth: 2 };
            return {
              type: "group", children: [
                { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
                { type: "line", shape: { x1: low[0], y1: low[1] - half, x2: low[0], y2: low[1] + half }, style: style },
                { type: "line", shape: { x1: high[0], y1: high[1] - half, x2: high[0], y2: high[1] + half }, style: style },
              ],
            };
          },
        },
      ],
    };
  }

  function tiers(t) {
    if (!t.outlets.length) { return null; }
    return {
      color: ["#2ba471", "#0594fa", "#d54941"],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0 },
      grid: { left: 110, right: 24, top: 8, bottom: 40 },
      xAxis: { type: "value", name: "人次" },
      yAxis: { type: "category", data: t.outlets },
      series: t.series.map(function (s) {
        var label = { show: true, formatter: function (p) { return p.value ? p.value : ""; } };
        return { name: s.name, type: "bar", stack: "tiers", data: s.data, label: label };
      }),
    };
  }

  function funnel(steps) {
    if (!steps.length || !steps[0].value) { return null; }
    return {
      tooltip: { trigger: "item", formatter: "{b}：{c} 人次" },
      grid: { left: 96, right: 48, top: 8, bottom: 24 },
      xAxis: { type: "value", name: "人次" },
      yAxis: { type: "category", data: steps.map(function (s) { return s.name; }).reverse() },
      series: [{
        type: "bar", data: steps.map(function (s) { return s.value; }).reverse(),
        label: { show: true, position: "right" }, itemStyle: { color: "#0b5cad" },
      }],
    };
  }

  function exceptions(e) {
    if (!e.reasons.length) { return null; }
    return {
      color: ["#2ba471", "#e37318", "#0594fa", "#d54941"],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", data: e.reasons },
      yAxis: { type: "value", name: "工单数", minInterval: 1 },
      series: e.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "sla", data: s.data };
      }),
    };
  }

  draw("chart-trend", trend(data.trend));
  draw("chart-ranking", ranking(data.ranking));
  draw("chart-tiers", tiers(data.tiers));
  draw("chart-funnel", funnel(data.funnel));
  draw("chart-exceptions", exceptions(data.exceptions));
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
