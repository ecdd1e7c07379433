using System.Globalization;
using System.Text;
using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Report;

namespace Remediator.Core.Notify;

/// <summary>Builds the message for one finding: subject, attributes, and the chat, e-mail and machine bodies.</summary>
public static class FindingMessages
{
    public const string Schema = "remediator.finding/1";

    public static OutgoingMessage Build(Finding finding, AlertContext context)
    {
        // Full detail first; should a message ever approach SNS's limit, fewer samples and shorter texts.
        var message = Build(FindingSanitizer.Clean(finding), context, compact: false);
        return message.Size <= OutgoingMessage.MaxBytes ? message : Build(FindingSanitizer.Clean(finding, maxRequestIds: 3, maxText: 120), context, compact: true);
    }

    private static OutgoingMessage Build(Finding f, AlertContext context, bool compact)
    {
        var account = context.AccountId ?? f.AccountId;
        var region = f.Region ?? context.Region;
        return new OutgoingMessage(f.Id, Subject(f), Attributes(f), Chatbot(f, context, account, region, compact),
            Email(f, context, account, region, compact), Machine(f, context, account, region));
    }

    /// <summary>Severity for filter policies: configuration faults that fail every request are critical.</summary>
    public static string Severity(Cause cause) => cause switch
    {
        Cause.MissingInvokePermission or Cause.FunctionNotFound or Cause.KmsAccessDenied or Cause.InvalidIntegrationMethod or Cause.MappingError => "critical",
        Cause.Unknown => "medium",
        _ => "high",
    };

    /// <summary>ASCII, one line, at most 99 characters: <c>[Remediator] 502 malformed_proxy_response abc123/prod GET /books x14</c>.</summary>
    public static string Subject(Finding f)
    {
        var text = $"[Remediator] {FindingDisplay.Status(f)} {f.Cause.ToName()} {FindingDisplay.Api(f)} {FindingDisplay.Route(f)} x{f.Count}";
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        var subject = sb.ToString();
        return subject.Length <= 99 ? subject : subject[..98] + "~";
    }

    private static List<MessageAttribute> Attributes(Finding f)
    {
        var list = new List<MessageAttribute>
        {
            new("cause", f.Cause.ToName()),
            new("severity", Severity(f.Cause)),
            new("findingId", f.Id),
        };
        if (f.Key.ApiId is { Length: > 0 } api) list.Add(new("apiId", api));
        if (f.Key.Stage is { Length: > 0 } stage) list.Add(new("stage", stage));
        if (f.Status is { } status) list.Add(new("status", status.ToString(CultureInfo.InvariantCulture), "Number"));
        return list;
    }

    private static string Headline(Finding f) =>
        $"{FindingDisplay.Status(f)} {f.Cause.ToName()} x{f.Count} on {FindingDisplay.Route(f)} ({FindingDisplay.Api(f)})";

    private static string HowOften(Finding f, AlertContext c) =>
        $"{f.Count} failed request(s) in this delivery" + (c.SuppressedSinceLastAlert > 0
            ? $", {c.SuppressedSinceLastAlert} more since the last alert" + (c.LastAlertAt is { } t ? $" at {JsonReport.Time(t)}" : "")
            : "");

    private static string Where(Finding f, string? account, string? region)
    {
        var parts = new List<string>();
        if (account is not null) parts.Add($"account {account}");
        if (region is not null) parts.Add($"region {region}");
        if (f.Key.ApiId is not null) parts.Add($"API {f.Key.ApiId}" + (f.ApiType is { } t ? $" ({t.ToName()})" : ""));
        if (f.Key.Stage is not null) parts.Add($"stage {f.Key.Stage}");
        parts.Add($"route {FindingDisplay.Route(f)}");
        if (f.Key.FunctionArn is not null) parts.Add($"function {FindingDisplay.Function(f)}");
        return string.Join(", ", parts);
    }

    private static string Email(Finding f, AlertContext c, string? account, string? region, bool compact)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Remediator: {Headline(f)}");
        sb.AppendLine();
        Line(sb, "What fails", f.Advice.Summary);
        Line(sb, "How often", HowOften(f, c));
        Line(sb, "Where", Where(f, account, region));
        Line(sb, "Since", FindingDisplay.Seen(f));
        Line(sb, "Evidence", f.Evidence);
        Line(sb, "Response", f.ResponseProblem);
        Line(sb, "Error", f.ErrorType is null ? f.ErrorMessage : f.ErrorMessage is null ? f.ErrorType : $"{f.ErrorType}: {f.ErrorMessage}");
        Line(sb, "Why", f.Note);
        sb.AppendLine();
        sb.AppendLine($"Fix ({f.Advice.Effort}, {f.Advice.Risk} risk)");
        var n = 1;
        foreach (var step in f.Advice.Steps)
        {
            sb.AppendLine($"  {n++}. {step}");
        }
        if (!compact)
        {
            foreach (var cmd in f.Advice.Commands)
            {
                sb.AppendLine($"  {cmd.Label}:");
                sb.AppendLine($"    {cmd.Text}");
            }
        }
        if (f.Advice.LogGroup is not null || f.Advice.LogsInsightsQuery is not null)
        {
            sb.AppendLine();
            sb.AppendLine("Look in CloudWatch");
            Line(sb, "  Log group", f.Advice.LogGroup);
            Line(sb, "  Console", f.Advice.ConsoleUrl);
            if (f.Advice.LogsInsightsQuery is not null)
            {
                sb.AppendLine("  Logs Insights query for the sample requests:");
                sb.AppendLine($"    {f.Advice.LogsInsightsQuery}");
            }
        }
        if (f.RequestIds.Count > 0)
        {
            Line(sb, "Requests", string.Join(", ", f.RequestIds));
        }
        sb.AppendLine();
        sb.AppendLine($"Finding {f.Id}: the same problem keeps this id in every message, so repeats can be de-duplicated.");
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, string label, string? value)
    {
        if (value is not null)
        {
            sb.AppendLine($"{(label + ":").PadRight(Math.Max(12, label.Length + 2))}{value}");
        }
    }

    private static string Chatbot(Finding f, AlertContext c, string? account, string? region, bool compact)
    {
        var description = new StringBuilder();
        description.AppendLine(f.Advice.Summary);
        description.AppendLine();
        description.AppendLine($"*How often:* {HowOften(f, c)}");
        description.AppendLine($"*Where:* {Where(f, account, region)}");
        description.AppendLine($"*Since:* {FindingDisplay.Seen(f)}");
        if (f.Evidence is not null) description.AppendLine($"*Evidence:* `{f.Evidence}`");
        if (f.ResponseProblem is not null) description.AppendLine($"*Response:* {f.ResponseProblem}");
        if (f.ErrorMessage is not null) description.AppendLine($"*Error:* `{(f.ErrorType is null ? "" : f.ErrorType + ": ")}{f.ErrorMessage}`");
        if (f.Note is not null) description.AppendLine($"*Why:* {f.Note}");
        if (f.Advice.LogGroup is not null) description.AppendLine($"*Logs:* `{f.Advice.LogGroup}`");

        var nextSteps = f.Advice.Steps.ToList();
        if (!compact)
        {
            nextSteps.AddRange(f.Advice.Commands.Select(cmd => $"{cmd.Label}: `{cmd.Text}`"));
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonReport.Options(indented: false)))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteString("source", "custom");
            w.WriteString("id", f.Id);
            w.WriteStartObject("content");
            w.WriteString("textType", "client-markdown");
            w.WriteString("title", $":rotating_light: {Headline(f)}");
            w.WriteString("description", description.ToString().TrimEnd());
            w.WriteStartArray("nextSteps");
            foreach (var step in nextSteps)
            {
                w.WriteStringValue(step);
            }
            w.WriteEndArray();
            w.WriteStartArray("keywords");
            foreach (var k in new[] { f.Cause.ToName(), f.Key.ApiId, f.Key.Stage, f.Status?.ToString(CultureInfo.InvariantCulture) }.OfType<string>())
            {
                w.WriteStringValue(k);
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("metadata");
            // Repeats of the same problem thread together in the channel.
            w.WriteString("threadId", $"{f.Key.ApiId ?? "api"}:{f.Key.Stage ?? "stage"}:{f.Cause.ToName()}");
            w.WriteString("summary", Headline(f));
            w.WriteString("eventType", "RemediatorFinding");
            w.WriteStartObject("additionalContext");
            w.WriteString("findingId", f.Id);
            w.WriteString("cause", f.Cause.ToName());
            w.WriteString("severity", Severity(f.Cause));
            w.WriteString("count", f.Count.ToString(CultureInfo.InvariantCulture));
            if (f.Status is { } s) w.WriteString("status", s.ToString(CultureInfo.InvariantCulture));
            if (f.Key.ApiId is not null) w.WriteString("apiId", f.Key.ApiId);
            if (f.Key.Stage is not null) w.WriteString("stage", f.Key.Stage);
            if (f.Key.FunctionArn is not null) w.WriteString("function", FindingDisplay.Function(f));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Machine(Finding f, AlertContext c, string? account, string? region)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonReport.Options(indented: false)))
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("findingId", f.Id);
            w.WriteString("accountId", account);
            w.WriteString("region", region);
            w.WriteNumber("suppressedSinceLastAlert", c.SuppressedSinceLastAlert);
            w.WriteString("lastAlertAt", JsonReport.Time(c.LastAlertAt));
            w.WritePropertyName("finding");
            JsonReport.WriteFinding(w, f);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
