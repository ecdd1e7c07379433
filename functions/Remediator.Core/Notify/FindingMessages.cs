using System.Globalization;
using System.Text;
using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;
using Remediator.Core.Report;

namespace Remediator.Core.Notify;

/// <summary>Builds the message for one finding: subject, attributes, and the chat, e-mail and machine bodies.</summary>
public static class FindingMessages
{
    // 2: new causes (authorizer_failure, credentials_role_not_assumable, lambda_invoke_error, request_mapping_error,
    // integration_endpoint_error); credentials-role failures were missing_invoke_permission in 1.
    public const string Schema = "remediator.finding/3";

    /// <summary>The message for a finding; with <paramref name="repair"/>, the message for what a repair planned, did or refused.</summary>
    /// <param name="alreadyClean">True when <paramref name="finding"/> comes from <see cref="FindingSanitizer.Clean"/> already.</param>
    public static OutgoingMessage Build(Finding finding, AlertContext context, RepairReport? repair = null, bool alreadyClean = false)
    {
        // Full detail first; should a message ever approach SNS's limit, fewer samples and shorter texts.
        var message = Render(alreadyClean ? finding : FindingSanitizer.Clean(finding), context, repair, compact: false);
        return message.Size <= OutgoingMessage.MaxBytes ? message : Render(FindingSanitizer.Clean(finding, maxRequestIds: 3, maxText: 120), context, repair, compact: true);
    }

    private static OutgoingMessage Render(Finding f, AlertContext context, RepairReport? repair, bool compact)
    {
        var account = context.AccountId ?? f.AccountId;
        var region = f.Region ?? context.Region;
        return new OutgoingMessage(f.Id, Subject(f, repair), Attributes(f, repair), Chatbot(f, context, account, region, repair, compact),
            Email(f, context, account, region, repair, compact), Machine(f, context, account, region, repair));
    }

    internal static string CauseOf(Finding f, RepairReport? repair) => repair?.CauseName ?? f.Cause.ToName();

    /// <summary>Severity for filter policies: configuration faults that fail every request are critical.</summary>
    public static string Severity(Cause cause) => cause switch
    {
        Cause.MissingInvokePermission or Cause.FunctionNotFound or Cause.KmsAccessDenied or Cause.InvalidIntegrationMethod or Cause.MappingError
            or Cause.CredentialsRoleNotAssumable or Cause.RequestMappingError or Cause.IntegrationEndpointError => "critical",
        Cause.Unknown => "medium",
        _ => "high",
    };

    /// <summary>ASCII, one line, at most 99 characters: <c>[Remediator] 502 malformed_proxy_response abc123/prod GET /books x14</c>.</summary>
    public static string Subject(Finding f, RepairReport? repair = null)
    {
        var text = $"[Remediator] {FindingDisplay.Status(f)} {CauseOf(f, repair)} {FindingDisplay.Api(f)} {FindingDisplay.Route(f)} x{f.Count}";
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        var subject = sb.ToString();
        return subject.Length <= 99 ? subject : subject[..98] + "~";
    }

    private static List<MessageAttribute> Attributes(Finding f, RepairReport? repair)
    {
        var list = new List<MessageAttribute>
        {
            new("cause", CauseOf(f, repair)),
            new("severity", Severity(f.Cause)),
            new("findingId", f.Id),
        };
        if (f.Key.ApiId is { Length: > 0 } api) list.Add(new("apiId", api));
        if (f.Key.Stage is { Length: > 0 } stage) list.Add(new("stage", stage));
        if (f.Status is { } status) list.Add(new("status", status.ToString(CultureInfo.InvariantCulture), "Number"));
        if (repair?.Refusal is { } reason) list.Add(new("refusal", RepairReport.ReasonName(reason)));
        return list;
    }

    internal static string Headline(Finding f, RepairReport? repair = null) =>
        $"{FindingDisplay.Status(f)} {CauseOf(f, repair)} x{f.Count} on {FindingDisplay.Route(f)} ({FindingDisplay.Api(f)})";

    /// <summary>One sentence: what the repair did, would do, or why it did nothing.</summary>
    internal static string RepairLine(RepairReport r) => r.Result switch
    {
        RepairResult.Repaired => $"added statement {r.Plan!.StatementId} to {r.Plan.ResourceArn}: API Gateway may invoke it again from {r.Plan.ApiId} (verified by reading the policy back). {RepairText(r.Detail)}".TrimEnd(),
        RepairResult.Planned when r.ApproveUrl is not null => $"awaiting approval: would add statement {r.Plan!.StatementId} to {r.Plan.ResourceArn} once a person approves it (Approve below); nothing was changed. {RepairText(r.Detail)}".TrimEnd(),
        RepairResult.Planned => $"dry run: would add statement {r.Plan!.StatementId} to {r.Plan.ResourceArn}; nothing was changed. {RepairText(r.Detail)}".TrimEnd(),
        _ => $"refused ({RepairReport.ReasonName(r.Refusal!.Value)}): {RepairText(r.Detail)}",
    };

    /// <summary>
    /// A repair's detail or check: our sentence, but it quotes what the log said (a route, a function name) and
    /// what AWS answered, so it is scrubbed like every other log-derived text, not only neutralised.
    /// </summary>
    private static string RepairText(string text) => Scrubber.Clean(text, 1000);

    /// <summary>How many failed, over which window, and what the cooldown held back: never "in this delivery",
    /// which means nothing to a reader.</summary>
    internal static string HowOften(Finding f, AlertContext c) =>
        $"{f.Count} failed request(s)" + (f.FirstSeen is { } a ? f.LastSeen is { } b && b != a ? $" from {JsonReport.Time(a)} to {JsonReport.Time(b)}" : $" at {JsonReport.Time(a)}" : "")
        + (c.SuppressedSinceLastAlert > 0
            ? $", {c.SuppressedSinceLastAlert} more held back since the last alert" + (c.LastAlertAt is { } t ? $" at {JsonReport.Time(t)}" : "")
            : "");

    /// <summary>What the timestamps show of a timeout: how long the function ran, or API Gateway waited.</summary>
    private static string? Observed(Finding f) => f.Cause switch
    {
        Cause.FunctionTimeout or Cause.IntegrationTimeout when Advice.AdviceBook.ObservedSeconds(new Advice.FindingFacts(f.ApiType, f.LogKind, f.ErrorType,
            f.ErrorMessage, f.IntegrationLatencyMs, null, null, null, null, [])) is { } s
            => $"{s.ToString("0.##", CultureInfo.InvariantCulture)} s " + (f.Cause == Cause.FunctionTimeout ? "(the function ran this long, then hit its own timeout)" : "(API Gateway waited this long)"),
        _ => null,
    };

    internal static string Where(Finding f, string? account, string? region)
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

    private static string Email(Finding f, AlertContext c, string? account, string? region, RepairReport? repair, bool compact)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Remediator: {Headline(f, repair)}");
        sb.AppendLine();
        EmailSection(sb, f, c, account, region, repair, compact);
        sb.AppendLine();
        sb.AppendLine($"Finding {f.Id}: the same problem keeps this id in every message, so repeats can be de-duplicated.");
        return sb.ToString();
    }

    /// <summary>One finding in an e-mail: the repair, what fails, how often, where, the evidence, the fix, where to look.</summary>
    internal static void EmailSection(StringBuilder sb, Finding f, AlertContext c, string? account, string? region, RepairReport? repair, bool compact,
        bool withWhere = true)
    {
        if (repair is not null)
        {
            Line(sb, "Repair", Scrubber.Neutralise(RepairLine(repair)));
            if (repair.ApproveUrl is { } approve)
            {
                Line(sb, "Approve", approve);
            }
            foreach (var check in repair.Checks)
            {
                sb.AppendLine($"  - {RepairText(check)}");
            }
            if (repair.Plan is { } plan)
            {
                Line(sb, "Statement", plan.StatementJson);
                Line(sb, repair.Result == RepairResult.Repaired ? "Undo" : "To add it", repair.Result == RepairResult.Repaired ? plan.UndoCommand : plan.AddCommand);
                if (repair.Result != RepairResult.Repaired)
                {
                    Line(sb, "Undo", plan.UndoCommand);
                }
                sb.AppendLine("Make it permanent in the stack that owns the function (its next deploy may remove an out-of-band change):");
                sb.AppendLine($"  CDK: {plan.CdkSnippet}");
                sb.AppendLine("  CloudFormation:");
                foreach (var cfn in plan.CloudFormationSnippet.Split('\n'))
                {
                    sb.AppendLine($"    {cfn}");
                }
            }
            sb.AppendLine();
        }
        Line(sb, "What fails", f.Advice.Summary);
        Line(sb, "How often", HowOften(f, c));
        Line(sb, "Observed", Observed(f));
        if (withWhere)
        {
            Line(sb, "Where", Where(f, account, region));
        }
        else
        {
            Line(sb, "Function", f.Key.FunctionArn is null ? null : FindingDisplay.Function(f));
        }
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
        if (f.Advice.FunctionLog is { } fnLog)
        {
            sb.AppendLine();
            sb.AppendLine("Look in the function's own log");
            Line(sb, "  Log group", fnLog.LogGroup);
            Line(sb, "  Console", fnLog.ConsoleUrl);
            sb.AppendLine("  Logs Insights query for the failing requests:");
            sb.AppendLine($"    {fnLog.LogsInsightsQuery}");
            if (!compact && fnLog.StartQueryCommand is { } start)
            {
                sb.AppendLine("  Over the failures' window, from a shell:");
                sb.AppendLine($"    {start}");
            }
        }
        if (f.Advice.LogGroup is not null || f.Advice.LogsInsightsQuery is not null)
        {
            sb.AppendLine();
            sb.AppendLine("Look in API Gateway's log");
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
    }

    internal static void Line(StringBuilder sb, string label, string? value)
    {
        if (value is not null)
        {
            sb.AppendLine($"{(label + ":").PadRight(Math.Max(12, label.Length + 2))}{value}");
        }
    }

    internal static string Chatbot(Finding f, AlertContext c, string? account, string? region, RepairReport? repair, bool compact)
    {
        var description = new StringBuilder();
        if (repair is not null)
        {
            description.AppendLine($"*Repair:* {Scrubber.Neutralise(RepairLine(repair))}");
            if (repair.ApproveUrl is { } approve)
            {
                description.AppendLine($"*Approve:* {approve}");
            }
            if (repair.Plan is { } plan)
            {
                description.AppendLine($"*{(repair.Result == RepairResult.Repaired ? "Undo" : "To add it")}:* `{(repair.Result == RepairResult.Repaired ? plan.UndoCommand : plan.AddCommand)}`");
            }
            description.AppendLine();
        }
        description.AppendLine(f.Advice.Summary);
        description.AppendLine();
        description.AppendLine($"*How often:* {HowOften(f, c)}");
        if (Observed(f) is { } observed) description.AppendLine($"*Observed:* {observed}");
        description.AppendLine($"*Where:* {Where(f, account, region)}");
        if (f.Evidence is not null) description.AppendLine($"*Evidence:* `{f.Evidence}`");
        if (f.ResponseProblem is not null) description.AppendLine($"*Response:* {f.ResponseProblem}");
        if (f.ErrorMessage is not null) description.AppendLine($"*Error:* `{(f.ErrorType is null ? "" : f.ErrorType + ": ")}{f.ErrorMessage}`");
        if (f.Note is not null) description.AppendLine($"*Why:* {f.Note}");
        if (f.Advice.FunctionLog is { } fnLog) description.AppendLine($"*Function log:* `{fnLog.LogGroup}`" + (fnLog.ConsoleUrl is { } url ? $" ({url})" : ""));
        if (f.Advice.LogGroup is not null) description.AppendLine($"*Logs:* `{f.Advice.LogGroup}`");

        var nextSteps = repair?.Plan is { } p
            ? [$"Make it permanent (CDK): `{p.CdkSnippet}`", $"Undo: `{p.UndoCommand}`", .. f.Advice.Steps]
            : f.Advice.Steps.ToList();
        if (!compact)
        {
            nextSteps.AddRange(f.Advice.Commands.Select(cmd => $"{cmd.Label}: `{cmd.Text}`"));
        }

        // Repeats of the same problem thread together in the channel.
        return ChatNotification(f.Id, repair?.Result, Headline(f, repair), description.ToString(), nextSteps,
            new[] { CauseOf(f, repair), f.Key.ApiId, f.Key.Stage, f.Status?.ToString(CultureInfo.InvariantCulture) }.OfType<string>(),
            $"{f.Key.ApiId ?? "api"}:{f.Key.Stage ?? "stage"}:{f.Cause.ToName()}", "RemediatorFinding",
            [("findingId", f.Id), ("cause", CauseOf(f, repair)), ("severity", Severity(f.Cause)), ("count", f.Count.ToString(CultureInfo.InvariantCulture)),
             ("status", f.Status?.ToString(CultureInfo.InvariantCulture)), ("apiId", f.Key.ApiId), ("stage", f.Key.Stage),
             ("function", f.Key.FunctionArn is null ? null : FindingDisplay.Function(f))]);
    }

    /// <summary>
    /// An Amazon Q Developer in chat applications custom notification (<c>version</c> 1.0, <c>source</c> custom,
    /// <c>client-markdown</c>). <paramref name="context"/> values are strings only (chat refuses others); nulls are left out.
    /// </summary>
    internal static string ChatNotification(string id, RepairResult? repair, string headline, string description, IEnumerable<string> nextSteps,
        IEnumerable<string> keywords, string threadId, string eventType, IEnumerable<(string Name, string? Value)> context)
    {
        return Report.JsonText.Write(JsonReport.Options(indented: false), w =>
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteString("source", "custom");
            w.WriteString("id", id);
            w.WriteStartObject("content");
            w.WriteString("textType", "client-markdown");
            var icon = repair switch { RepairResult.Repaired => ":wrench:", RepairResult.Planned => ":clipboard:", RepairResult.Refused => ":no_entry:", _ => ":rotating_light:" };
            w.WriteString("title", $"{icon} {headline}");
            w.WriteString("description", description.TrimEnd());
            w.WriteStartArray("nextSteps");
            foreach (var step in nextSteps)
            {
                w.WriteStringValue(step);
            }
            w.WriteEndArray();
            w.WriteStartArray("keywords");
            foreach (var k in keywords)
            {
                w.WriteStringValue(k);
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("metadata");
            w.WriteString("threadId", threadId);
            w.WriteString("summary", headline);
            w.WriteString("eventType", eventType);
            w.WriteStartObject("additionalContext");
            foreach (var (name, value) in context)
            {
                if (value is not null)
                {
                    w.WriteString(name, value);
                }
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static string Machine(Finding f, AlertContext c, string? account, string? region, RepairReport? repair)
    {
        return Report.JsonText.Write(JsonReport.Options(indented: false), w =>
        {
            WriteMachine(w, f, c, account, region, repair);
        });
    }

    /// <summary>The machine JSON of one finding (<see cref="Schema"/>): the whole message for one finding, one element of a digest's findings.</summary>
    internal static void WriteMachine(Utf8JsonWriter w, Finding f, AlertContext c, string? account, string? region, RepairReport? repair)
    {
        w.WriteStartObject();
        w.WriteString("schema", Schema);
        w.WriteString("findingId", f.Id);
        w.WriteString("accountId", account);
        w.WriteString("region", region);
        w.WriteString("severity", Severity(f.Cause));
        w.WriteNumber("suppressedSinceLastAlert", c.SuppressedSinceLastAlert);
        w.WriteString("lastAlertAt", JsonReport.Time(c.LastAlertAt));
        w.WritePropertyName("finding");
        JsonReport.WriteFinding(w, f);
        if (f.Advice.FunctionLog is { } fnLog)
        {
            w.WriteStartObject("functionLog");
            w.WriteString("logGroup", fnLog.LogGroup);
            w.WriteString("logsInsightsQuery", fnLog.LogsInsightsQuery);
            w.WriteString("startQuery", fnLog.StartQueryCommand);
            w.WriteString("consoleUrl", fnLog.ConsoleUrl);
            w.WriteEndObject();
        }
        if (repair is not null)
        {
            w.WriteStartObject("repair");
            w.WriteString("cause", repair.CauseName);
            w.WriteString("result", repair.Result.ToString().ToLowerInvariant());
            w.WriteString("refusal", repair.Refusal is { } r ? RepairReport.ReasonName(r) : null);
            w.WriteString("detail", RepairText(repair.Detail));
            w.WriteStartArray("checks");
            foreach (var check in repair.Checks)
            {
                w.WriteStringValue(RepairText(check));
            }
            w.WriteEndArray();
            if (repair.Plan is { } plan)
            {
                w.WriteString("functionArn", plan.ResourceArn);
                w.WriteString("statementId", plan.StatementId);
                w.WriteString("sourceArn", plan.SourceArn);
                w.WriteString("statement", plan.StatementJson);
                w.WriteString("add", plan.AddCommand);
                w.WriteString("undo", plan.UndoCommand);
                w.WriteString("cdk", plan.CdkSnippet);
            }
            if (repair.PolicyRevisionId is { } revision)
            {
                w.WriteString("policyRevisionId", revision);
            }
            if (repair.ApproveUrl is { } approve)
            {
                w.WriteString("approveUrl", approve);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
