using System.Text;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Report;

/// <summary>The rendering for an incident ticket: a table, then a section per finding.</summary>
public static class MarkdownReport
{
    public static string Render(DiagnosisResult result)
    {
        var sb = new StringBuilder();
        sb.AppendLine("## API Gateway 5xx diagnosis");
        sb.AppendLine();
        sb.AppendLine(FindingDisplay.Summary(result.Summary) + ".");
        if (result.Findings.Count == 0)
        {
            return sb.ToString();
        }
        sb.AppendLine();
        sb.AppendLine("| # | count | status | cause | API/stage | route | function |");
        sb.AppendLine("|---|---:|---|---|---|---|---|");
        for (var i = 0; i < result.Findings.Count; i++)
        {
            var f = result.Findings[i];
            sb.AppendLine($"| {i + 1} | {f.Count} | {FindingDisplay.Status(f)} | `{f.Cause.ToName()}` | {Cell(FindingDisplay.Api(f))} | {Cell(FindingDisplay.Route(f))} | {Cell(FindingDisplay.Function(f))} |");
        }
        for (var i = 0; i < result.Findings.Count; i++)
        {
            var f = result.Findings[i];
            sb.AppendLine();
            sb.AppendLine($"### {i + 1}. `{f.Cause.ToName()}`: {FindingDisplay.Status(f)} x{f.Count} on {Inline(FindingDisplay.Route(f))} ({Inline(FindingDisplay.Api(f))})");
            sb.AppendLine();
            sb.AppendLine(f.Advice.Summary);
            sb.AppendLine();
            Item(sb, "Function", f.Key.FunctionArn is null ? null : Inline(FindingDisplay.Function(f)));
            Item(sb, "Error", f.ErrorType is null ? f.ErrorMessage : f.ErrorMessage is null ? f.ErrorType : $"{f.ErrorType}: {f.ErrorMessage}");
            Item(sb, "Response", f.ResponseProblem);
            Item(sb, "Integration latency", f.IntegrationLatencyMs is { } l ? $"{l} ms" : null);
            Item(sb, "Seen", FindingDisplay.Seen(f));
            Item(sb, "Request ids", f.RequestIds.Count == 0 ? null : string.Join(", ", f.RequestIds.Select(Inline)));
            Item(sb, "Why", f.Note);
            if (f.Evidence is not null)
            {
                sb.AppendLine();
                sb.AppendLine("Evidence:");
                sb.AppendLine();
                sb.AppendLine("```");
                sb.AppendLine(f.Evidence.Replace("```", "'''", StringComparison.Ordinal));
                sb.AppendLine("```");
            }
            sb.AppendLine();
            sb.AppendLine($"**Fix** ({f.Advice.Effort}, {f.Advice.Risk} risk):");
            sb.AppendLine();
            foreach (var step in f.Advice.Steps)
            {
                sb.AppendLine($"1. {step}");
            }
            foreach (var cmd in f.Advice.Commands)
            {
                sb.AppendLine();
                sb.AppendLine($"{cmd.Label}:");
                sb.AppendLine();
                sb.AppendLine("```sh");
                sb.AppendLine(cmd.Text);
                sb.AppendLine("```");
            }
            if (f.Advice.LogGroup is not null)
            {
                sb.AppendLine();
                sb.AppendLine($"Logs: {Inline(f.Advice.LogGroup)}" + (f.Advice.ConsoleUrl is null ? "" : $" ([console]({f.Advice.ConsoleUrl}))"));
            }
            if (f.Advice.LogsInsightsQuery is not null)
            {
                sb.AppendLine();
                sb.AppendLine("```");
                sb.AppendLine(f.Advice.LogsInsightsQuery);
                sb.AppendLine("```");
            }
        }
        return sb.ToString();
    }

    private static void Item(StringBuilder sb, string name, string? value)
    {
        if (value is not null)
        {
            sb.AppendLine($"- **{name}:** {value.ReplaceLineEndings(" ")}");
        }
    }

    private static string Inline(string s) => "`" + s.Replace("`", "'", StringComparison.Ordinal) + "`";

    private static string Cell(string s) => Inline(s).Replace("|", "\\|", StringComparison.Ordinal);
}
