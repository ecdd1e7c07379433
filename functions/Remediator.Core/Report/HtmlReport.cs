using System.Globalization;
using System.Net;
using System.Text;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Report;

/// <summary>
/// The incident page: one self-contained HTML document (inline CSS and SVG, no script, nothing fetched) with the
/// timeline of failed requests by cause, the summary, the findings table and each finding's evidence and fix. Every
/// value from the logs is HTML-escaped. Colour never carries meaning alone: each cause has a pattern as well as a
/// colour, the legend names it, and each bar segment says its cause and count in its tooltip.
/// </summary>
public static class HtmlReport
{
    // Okabe-Ito, readable by the common colour-vision deficiencies; the patterns tell causes apart in greyscale print.
    private static readonly string[] Colours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#B8A200", "#555555"];
    private const int Patterns = 6;

    private const int Width = 960, Left = 48, Right = 16, Top = 12, PlotHeight = 220, AxisHeight = 34, LaneHeight = 18;

    public static string Render(DiagnosisResult result, Timeline timeline, IReadOnlyList<string> inputs)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>API Gateway 5xx diagnosis</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n")
            .Append("<h1>API Gateway 5xx diagnosis</h1>\n");
        Summary(sb, result, timeline, inputs);
        Chart(sb, result, timeline);
        FindingsTable(sb, result, timeline);
        for (var i = 0; i < result.Findings.Count; i++)
        {
            FindingSection(sb, i, result.Findings[i]);
        }
        sb.Append("</main>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static void Summary(StringBuilder sb, DiagnosisResult result, Timeline t, IReadOnlyList<string> inputs)
    {
        var s = result.Summary;
        sb.Append("<section id=\"summary\">\n<h2>Summary</h2>\n<dl class=\"summary\">\n");
        Term(sb, "Failures seen", t.First is { } a && t.Last is { } b
            ? $"{JsonReport.Time(a)} to {JsonReport.Time(b)} ({Duration(b - a)})" : "the log shows no time");
        Term(sb, "Inputs", inputs.Count == 0 ? "-" : string.Join(", ", inputs));
        Term(sb, "Requests read", Num(s.Requests));
        Term(sb, "Failed requests", Num(s.Failed));
        // A subscription delivery or a filtered export holds only failing lines: a rate from it would be 100%, and false.
        Term(sb, "Error rate", s.Requests > s.Failed && s.Requests > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{100.0 * s.Failed / s.Requests:0.#}% of the requests read")
            : "not known: the input holds only failed requests");
        Term(sb, "Findings", $"{s.Findings} ({Num(s.Unclassified)} failed request(s) unclassified)");
        sb.Append("</dl>\n</section>\n");
    }

    private static void Chart(StringBuilder sb, DiagnosisResult result, Timeline t)
    {
        sb.Append("<section id=\"timeline\">\n<h2>Failed requests over time</h2>\n");
        if (t.BucketSeconds is not { } size || t.BucketCount == 0)
        {
            sb.Append("<p>No failed request in the input shows a time, so there is no timeline.</p>\n</section>\n");
            return;
        }
        sb.Append("<p class=\"note\">Each bar is ").Append(Timeline.Describe(size)).Append(" (UTC), stacked by cause")
            .Append(t.Untimed > 0 ? $"; {Num(t.Untimed)} failed request(s) show no time and are not drawn" : "")
            .Append(". Below the bars, each finding's first failure (circle) and last failure (square).</p>\n");
        var totals = t.Totals();
        var yMax = NiceCeiling(totals.Max());
        var plotWidth = Width - Left - Right;
        var barWidth = (double)plotWidth / t.BucketCount;
        var lanes = result.Findings.Count(f => f.FirstSeen is not null);
        var height = Top + PlotHeight + AxisHeight + lanes * LaneHeight + 8;
        sb.Append("<div class=\"scroll\">");
        sb.Append(Inv($"<svg class=\"chart\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-labelledby=\"chart-title\">\n"))
            .Append("<title id=\"chart-title\">Failed requests per ").Append(Timeline.Describe(size)).Append(" by cause</title>\n<defs>\n");
        for (var c = 0; c < t.Causes.Count; c++)
        {
            sb.Append(PatternDef(c));
        }
        sb.Append("</defs>\n");
        // Horizontal grid and the count axis.
        foreach (var v in new[] { 0, yMax / 2, yMax }.Distinct())
        {
            var y = Top + PlotHeight - (double)v / yMax * PlotHeight;
            sb.Append(Inv($"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:0.##}\" y2=\"{y:0.##}\"/>"))
                .Append(Inv($"<text class=\"axis\" x=\"{Left - 6}\" y=\"{y + 4:0.##}\" text-anchor=\"end\">{v}</text>\n"));
        }
        for (var b = 0; b < t.BucketCount; b++)
        {
            var x = Left + b * barWidth;
            var y = (double)(Top + PlotHeight);
            var label = Time(t.BucketStart(b), size);
            for (var c = 0; c < t.Causes.Count; c++)
            {
                var n = t.Causes[c].Counts[b];
                if (n == 0)
                {
                    continue;
                }
                var h = (double)n / yMax * PlotHeight;
                y -= h;
                sb.Append(Inv($"<rect class=\"bar\" data-cause=\"{t.Causes[c].Cause.ToName()}\" data-count=\"{n}\" x=\"{x + 0.5:0.##}\" y=\"{y:0.##}\" width=\"{Math.Max(barWidth - 1, 1):0.##}\" height=\"{h:0.##}\" fill=\"url(#p{c})\" stroke=\"{Colours[c % Colours.Length]}\">"))
                    .Append("<title>").Append(Esc(t.Causes[c].Cause.ToName())).Append(Inv($": {n} at {label}")).Append("</title></rect>\n");
            }
        }
        // Time axis: at most eight labels, on bucket starts.
        var every = Math.Max(1, (int)Math.Ceiling(t.BucketCount / 8.0));
        var axisY = Top + PlotHeight;
        sb.Append(Inv($"<line class=\"axisline\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{axisY}\" y2=\"{axisY}\"/>\n"));
        for (var b = 0; b < t.BucketCount; b += every)
        {
            var x = Left + b * barWidth;
            sb.Append(Inv($"<line class=\"axisline\" x1=\"{x:0.##}\" x2=\"{x:0.##}\" y1=\"{axisY}\" y2=\"{axisY + 5}\"/>"))
                .Append(Inv($"<text class=\"axis\" x=\"{x:0.##}\" y=\"{axisY + 18}\" text-anchor=\"start\">{Time(t.BucketStart(b), size)}</text>\n"));
        }
        // One lane per finding with a time: first and last failure, labelled with its number and cause.
        var span = (double)(t.BucketCount * size);
        var lane = 0;
        for (var i = 0; i < result.Findings.Count; i++)
        {
            var f = result.Findings[i];
            if (f.FirstSeen is not { } first)
            {
                continue;
            }
            var last = f.LastSeen ?? first;
            var y = Top + PlotHeight + AxisHeight + lane * LaneHeight + LaneHeight / 2;
            var x1 = Left + (first - t.Start!.Value).TotalSeconds / span * plotWidth;
            var x2 = Left + (last - t.Start!.Value).TotalSeconds / span * plotWidth;
            var causeIndex = IndexOf(t, f.Cause);
            sb.Append(Inv($"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y}\" y2=\"{y}\"/>"));
            var colour = Colours[causeIndex % Colours.Length];
            sb.Append(Inv($"<g class=\"mark\" data-finding=\"{i + 1}\">"))
                .Append(Inv($"<line x1=\"{x1:0.##}\" x2=\"{x2:0.##}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"2\"/>"))
                .Append(Inv($"<circle class=\"first\" cx=\"{x1:0.##}\" cy=\"{y}\" r=\"4\" fill=\"{colour}\"><title>#{i + 1} first failure {JsonReport.Time(first)}</title></circle>"))
                .Append(Inv($"<rect class=\"last\" x=\"{x2 - 4:0.##}\" y=\"{y - 4}\" width=\"8\" height=\"8\" fill=\"{colour}\"><title>#{i + 1} last failure {JsonReport.Time(last)}</title></rect>"))
                .Append(Inv($"<text class=\"lane\" x=\"{(x1 > Width / 2 ? x1 - 8 : x2 + 8):0.##}\" y=\"{y + 4}\" text-anchor=\"{(x1 > Width / 2 ? "end" : "start")}\">#{i + 1} "))
                .Append(Esc(f.Cause.ToName())).Append("</text></g>\n");
            lane++;
        }
        sb.Append("</svg></div>\n<ul class=\"legend\">\n");
        for (var c = 0; c < t.Causes.Count; c++)
        {
            sb.Append(Inv($"<li data-cause=\"{t.Causes[c].Cause.ToName()}\"><svg width=\"18\" height=\"14\" aria-hidden=\"true\"><defs>{PatternDef(c, "l").TrimEnd()}</defs><rect width=\"18\" height=\"14\" fill=\"url(#l{c})\" stroke=\"{Colours[c % Colours.Length]}\"/></svg> "))
                .Append("<code>").Append(Esc(t.Causes[c].Cause.ToName())).Append("</code> ").Append(Num(t.Causes[c].Total)).Append("</li>\n");
        }
        sb.Append("</ul>\n</section>\n");
    }

    private static void FindingsTable(StringBuilder sb, DiagnosisResult result, Timeline t)
    {
        sb.Append("<section id=\"findings\">\n<h2>Findings</h2>\n");
        if (result.Findings.Count == 0)
        {
            sb.Append("<p>No 5xx findings.</p>\n</section>\n");
            return;
        }
        sb.Append("<div class=\"scroll\"><table>\n<thead><tr><th>#</th><th class=\"n\">count</th><th>status</th><th>cause</th><th>API/stage</th><th>route</th><th>function</th><th>first .. last</th></tr></thead>\n<tbody>\n");
        for (var i = 0; i < result.Findings.Count; i++)
        {
            var f = result.Findings[i];
            sb.Append(Inv($"<tr><td><a href=\"#finding-{i + 1}\">{i + 1}</a></td><td class=\"n\">{f.Count}</td><td>"))
                .Append(Esc(FindingDisplay.Status(f))).Append("</td><td><code>").Append(Esc(f.Cause.ToName())).Append("</code></td><td>")
                .Append(Esc(FindingDisplay.Api(f))).Append("</td><td>").Append(Esc(FindingDisplay.Route(f))).Append("</td><td class=\"wrap\">")
                .Append(Esc(FindingDisplay.Function(f))).Append("</td><td>").Append(Esc(FindingDisplay.Seen(f))).Append("</td></tr>\n");
        }
        sb.Append("</tbody>\n</table></div>\n</section>\n");
    }

    private static void FindingSection(StringBuilder sb, int i, Finding f)
    {
        sb.Append(Inv($"<section class=\"finding\" id=\"finding-{i + 1}\">\n<h3>{i + 1}. <code>")).Append(Esc(f.Cause.ToName())).Append("</code>: ")
            .Append(Esc(FindingDisplay.Status(f))).Append(Inv($" &times;{f.Count} on ")).Append(Esc(FindingDisplay.Route(f))).Append(" (")
            .Append(Esc(FindingDisplay.Api(f))).Append(")</h3>\n<p>").Append(Esc(f.Advice.Summary)).Append("</p>\n<dl>\n");
        Term(sb, "Function", f.Key.FunctionArn is null ? null : FindingDisplay.Function(f));
        Term(sb, "Error", f.ErrorType is null ? f.ErrorMessage : f.ErrorMessage is null ? f.ErrorType : $"{f.ErrorType}: {f.ErrorMessage}");
        Term(sb, "Response", f.ResponseProblem);
        Term(sb, "Integration latency", f.IntegrationLatencyMs is { } l ? $"{l} ms" : null);
        Term(sb, "Seen", FindingDisplay.Seen(f));
        Term(sb, "Request ids", f.RequestIds.Count == 0 ? null
            : string.Join(", ", f.RequestIds) + (f.Count > f.RequestIds.Count ? $" (+{f.Count - f.RequestIds.Count} more)" : ""));
        Term(sb, "Why", f.Note);
        Term(sb, "Log group", f.Advice.LogGroup);
        sb.Append("</dl>\n");
        if (f.Evidence is not null)
        {
            sb.Append("<h4>Evidence</h4>\n<pre class=\"evidence\"><code>").Append(Esc(f.Evidence)).Append("</code></pre>\n");
        }
        sb.Append("<h4>Fix (").Append(Esc(f.Advice.Effort)).Append(", ").Append(Esc(f.Advice.Risk)).Append(" risk)</h4>\n<ol>\n");
        foreach (var step in f.Advice.Steps)
        {
            sb.Append("<li>").Append(Esc(step)).Append("</li>\n");
        }
        sb.Append("</ol>\n");
        foreach (var cmd in f.Advice.Commands)
        {
            sb.Append("<p class=\"label\">").Append(Esc(cmd.Label)).Append(":</p>\n<pre><code>").Append(Esc(cmd.Text)).Append("</code></pre>\n");
        }
        if (f.Advice.LogsInsightsQuery is not null)
        {
            sb.Append("<p class=\"label\">Logs Insights query:</p>\n<pre><code>").Append(Esc(f.Advice.LogsInsightsQuery)).Append("</code></pre>\n");
        }
        if (f.Advice.ConsoleUrl is not null)
        {
            // Shown as text, not linked: the page makes no reference outside itself, and the console needs a sign-in anyway.
            sb.Append("<p class=\"label\">Console:</p>\n<pre><code>").Append(Esc(f.Advice.ConsoleUrl)).Append("</code></pre>\n");
        }
        sb.Append("</section>\n");
    }

    /// <summary>A fill per cause index: its colour, lightened, under a mark of its own (stripes, dots, grid, ...).</summary>
    private static string PatternDef(int c, string prefix = "p")
    {
        var colour = Colours[c % Colours.Length];
        var mark = (c % Patterns) switch
        {
            0 => "",
            1 => $"<path d=\"M0 8L8 0\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            2 => $"<circle cx=\"4\" cy=\"4\" r=\"1.6\" fill=\"{colour}\"/>",
            3 => $"<path d=\"M0 4H8\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            4 => $"<path d=\"M0 0L8 8M8 0L0 8\" stroke=\"{colour}\" stroke-width=\"1.2\"/>",
            _ => $"<path d=\"M4 0V8\" stroke=\"{colour}\" stroke-width=\"2\"/>",
        };
        var opacity = c % Patterns == 0 ? "0.85" : "0.35";
        return $"<pattern id=\"{prefix}{c}\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" fill=\"{colour}\" fill-opacity=\"{opacity}\"/>{mark}</pattern>\n";
    }

    private static int IndexOf(Timeline t, Cause cause)
    {
        for (var c = 0; c < t.Causes.Count; c++)
        {
            if (t.Causes[c].Cause == cause)
            {
                return c;
            }
        }
        return 0;
    }

    private static void Term(StringBuilder sb, string name, string? value)
    {
        if (value is not null)
        {
            sb.Append("<dt>").Append(Esc(name)).Append("</dt><dd>").Append(Esc(value)).Append("</dd>\n");
        }
    }

    /// <summary>The smallest of 1, 2, 5 times a power of ten that is at least <paramref name="n"/> (and even, so the midline is whole).</summary>
    private static int NiceCeiling(int n)
    {
        for (var p = 1; ; p *= 10)
        {
            foreach (var m in new[] { 2, 4, 10 })
            {
                if (m * p >= n)
                {
                    return m * p;
                }
            }
        }
    }

    private static string Time(DateTimeOffset t, long bucketSeconds) =>
        t.UtcDateTime.ToString(bucketSeconds >= 86_400 ? "yyyy-MM-dd" : bucketSeconds >= 60 ? "MM-dd HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan d) => d.TotalSeconds switch
    {
        < 1 => Inv($"{d.TotalMilliseconds:0} ms"),
        < 120 => Inv($"{d.TotalSeconds:0.#} s"),
        < 7_200 => Inv($"{d.TotalMinutes:0.#} min"),
        < 172_800 => Inv($"{d.TotalHours:0.#} h"),
        _ => Inv($"{d.TotalDays:0.#} d"),
    };

    private static string Num(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Escapes text and attribute values alike (&lt; &gt; &amp; and both quotes).</summary>
    public static string Esc(string s) => WebUtility.HtmlEncode(s);

    private const string Css = """
        :root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg-code: #f6f8fa; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
        main { max-width: 1040px; margin: 0 auto; padding: 16px; }
        h1 { font-size: 1.5rem; margin: 0 0 12px; }
        h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
        h3 { font-size: 1.05rem; margin: 24px 0 6px; }
        h4 { font-size: 0.95rem; margin: 12px 0 4px; }
        code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; }
        pre { background: var(--bg-code); border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; user-select: all; }
        pre.evidence { user-select: text; }
        .note, .label { color: var(--muted); margin: 6px 0 2px; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
        dt { color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; }
        .chart { width: 100%; height: auto; display: block; }
        .chart .grid { stroke: #eaeef2; }
        .chart .axisline { stroke: var(--muted); }
        .chart .axis, .chart .lane { font: 11px system-ui, sans-serif; fill: var(--muted); }
        .chart .lane { fill: var(--fg); }
        .legend { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
        .legend li { display: flex; align-items: center; gap: 6px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        td.n, th.n { text-align: right; }
        td.wrap { overflow-wrap: anywhere; min-width: 12em; }
        .finding { border-top: 1px solid var(--line); }
        @media (max-width: 640px) {
          main { padding: 10px; }
          dl { grid-template-columns: 1fr; }
          dt { font-weight: 600; }
          th, td { padding: 4px; }
          .chart { min-width: 640px; }
        }
        @media print {
          body { font-size: 11pt; }
          main { max-width: none; padding: 0; }
          .scroll { overflow: visible; }
          .chart { min-width: 0; }
          pre { white-space: pre-wrap; border-color: #999; user-select: text; }
          a { color: inherit; text-decoration: none; }
          .chart, .finding, tr { break-inside: avoid; }
          h2, h3 { break-after: avoid; }
        }

        """;
}
