using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;
using Remediator.Core.Report;

namespace Remediator.Core.Notify;

/// <summary>One line of a digest: a finding (cleaned), or what a repair did about one, and what the cooldown held back.</summary>
public sealed record DigestItem(Finding Finding, RepairReport? Repair = null, long SuppressedSinceLastAlert = 0, DateTimeOffset? LastAlertAt = null)
{
    internal AlertContext Alert(DigestContext c) => new(c.AccountId ?? Finding.AccountId, c.Region, SuppressedSinceLastAlert, LastAlertAt);
}

/// <summary>What a digest says besides its findings.</summary>
/// <param name="AccountId">The account of the log group, when known.</param>
/// <param name="Region">The region the function runs in.</param>
/// <param name="Requests">Every request of the window, failed or not, when the logs carry them all; null when they do
/// not (the deployed filters forward only failing lines), and then no error rate is given.</param>
/// <param name="RateNote">Why there is no error rate, when there is none.</param>
public sealed record DigestContext(string? AccountId, string? Region, long? Requests = null, string? RateNote = null)
{
    /// <summary>Every failed request among <see cref="Requests"/> (those whose findings were held back too).</summary>
    public long? FailedRequests { get; init; }

    /// <summary>The shared cooldown state could not be read: the digest is sent anyway, and says that other environments
    /// may send the same findings (attribute and JSON <c>dedupState</c> = <c>unavailable</c>).</summary>
    public bool DedupStateUnavailable { get; init; }
}

/// <summary>
/// One message per API and stage: its findings by cause, the worst first, each with its stable id and machine JSON.
/// <list type="bullet">
/// <item>Attributes, for SNS filter policies: <c>cause</c> and <c>findingId</c> are <c>String.Array</c> of every finding's
/// (a policy <c>{"cause":["function_timeout"]}</c> matches a digest that holds one), <c>severity</c> and <c>status</c> are the
/// worst finding's, <c>apiId</c> and <c>stage</c> the digest's, <c>refusal</c> (<c>String.Array</c>) the repairs' refusals.</item>
/// <item>Chat: <c>metadata.threadId</c> is <c>apiId:stage:cause</c> of the worst finding, so a digest threads with the
/// earlier alerts of its most severe problem.</item>
/// <item>Size: at most <see cref="MaxFindingsPerMessage"/> findings and <see cref="TargetBytes"/> per message; more
/// make parts (<c>part</c>, <c>parts</c>), never a message SNS refuses.</item>
/// </list>
/// </summary>
public static class DigestMessages
{
    public const string Schema = "remediator.digest/1";

    /// <summary>Findings per message at most: a storm on many routes becomes several parts.</summary>
    public const int MaxFindingsPerMessage = 25;

    /// <summary>Findings an e-mail shows in full; the others are a line in its table and whole in the JSON.</summary>
    public const int DetailedFindings = 8;

    /// <summary>Half of SNS's 256 KB: well under the limit, whatever the subscriber's protocol adds.</summary>
    public const int TargetBytes = 128 * 1024;

    /// <summary>The value of <c>dedupState</c> when the shared cooldown state could not be read.</summary>
    public const string UnavailableState = "unavailable";

    private const string DedupNote = "the shared cooldown state could not be read, so this was sent without it: other environments may send the same findings, and no permission was changed";

    /// <summary>
    /// By cause, worst first: the causes by severity (critical, high, medium), then by their failed requests, then by
    /// name; within a cause, the findings with most failed requests first, then by id (a stable order).
    /// </summary>
    public static IReadOnlyList<DigestItem> Order(IEnumerable<DigestItem> items) =>
        items.GroupBy(CauseOf)
            .OrderBy(g => SeverityRank(FindingMessages.Severity(g.First().Finding.Cause))).ThenByDescending(g => g.Sum(i => (long)i.Finding.Count))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => g.OrderByDescending(i => i.Finding.Count).ThenBy(i => i.Finding.Id, StringComparer.Ordinal).ThenBy(i => i.Repair?.Plan?.ResourceArn, StringComparer.Ordinal))
            .ToList();

    public static int SeverityRank(string severity) => severity switch { "critical" => 0, "high" => 1, "medium" => 2, _ => 3 };

    /// <summary>The digests for one API and stage (all <paramref name="items"/> share them): one message, or parts when it is too big.</summary>
    public static IReadOnlyList<OutgoingMessage> Build(IReadOnlyList<DigestItem> items, DigestContext context)
    {
        var ordered = Order(items);
        var chunks = ordered.Chunk(MaxFindingsPerMessage).Select(c => (IReadOnlyList<DigestItem>)c).ToList();
        if (chunks.Count > 1 && NumberedAtOnce(chunks, ordered, context) is { } numbered)
        {
            return numbered;
        }
        var messages = new List<OutgoingMessage>();
        for (var i = 0; i < chunks.Count; i++)
        {
            messages.AddRange(Fit(chunks[i], ordered, context));
        }
        // Parts are numbered once their count is known.
        return messages.Count == 1 ? messages : messages.Select((m, i) => Render(m.Items!, ordered, context, m.Compact, i + 1, messages.Count)).ToList();
    }

    /// <summary>
    /// Several chunks that each fit in full are the parts as they are: rendered once, numbered, instead of rendered
    /// unnumbered to be measured and then again to be numbered (the whole handler's largest cost after diagnosis,
    /// docs/performance.md). Numbering only adds text to a digest of several findings (the subject's and headline's
    /// part, the e-mail's count, the part numbers; the id keeps its length), so a numbered part that fits means the
    /// unnumbered one fit too, and <see cref="Fit"/> would have chosen the same. Otherwise null, and Fit decides.
    /// </summary>
    private static List<OutgoingMessage>? NumberedAtOnce(List<IReadOnlyList<DigestItem>> chunks, IReadOnlyList<DigestItem> all, DigestContext context)
    {
        if (chunks.Any(c => c.Count < 2))
        {
            return null; // a part of one finding takes the digest's subject instead of the finding's: not only longer
        }
        var messages = new List<OutgoingMessage>(chunks.Count);
        for (var i = 0; i < chunks.Count; i++)
        {
            var message = Render(chunks[i], all, context, compact: false, i + 1, chunks.Count);
            if (message.Size > TargetBytes)
            {
                return null;
            }
            messages.Add(message);
        }
        return messages;
    }

    /// <summary>Full detail first; then compact (fewer samples, no commands); then halves.</summary>
    private static IEnumerable<OutgoingMessage> Fit(IReadOnlyList<DigestItem> chunk, IReadOnlyList<DigestItem> all, DigestContext context)
    {
        var full = Render(chunk, all, context, compact: false, 1, 1);
        if (full.Size <= TargetBytes)
        {
            return [full];
        }
        var compact = Render(chunk, all, context, compact: true, 1, 1);
        if (compact.Size <= TargetBytes || chunk.Count == 1)
        {
            return [compact];
        }
        var half = chunk.Count / 2;
        return Fit(chunk.Take(half).ToList(), all, context).Concat(Fit(chunk.Skip(half).ToList(), all, context));
    }

    private static OutgoingMessage Render(IReadOnlyList<DigestItem> items, IReadOnlyList<DigestItem> all, DigestContext context, bool compact, int part, int parts)
    {
        if (compact)
        {
            items = items.Select(i => i with { Finding = i.Finding with { RequestIds = i.Finding.RequestIds.Take(3).ToList() } }).ToList();
        }
        var d = new Digest(items, all, context, part, parts);
        return new OutgoingMessage(d.Id, Subject(d), Attributes(d), Chatbot(d, compact), Email(d, compact), Machine(d))
        {
            FindingIds = items.Select(i => i.Finding.Id).Distinct().ToList(),
            Items = items,
            Compact = compact,
        };
    }

    /// <summary>What every body of a digest says about its API, stage and window (over the whole digest, all parts).</summary>
    private sealed class Digest
    {
        public Digest(IReadOnlyList<DigestItem> items, IReadOnlyList<DigestItem> all, DigestContext context, int part, int parts)
        {
            Items = items;
            _all = all;
            Context = context;
            Part = part;
            Parts = parts;
            var first = all[0].Finding;
            ApiId = first.Key.ApiId;
            Stage = first.Key.Stage;
            ApiType = all.Select(i => i.Finding.ApiType).FirstOrDefault(t => t is not null);
            Account = context.AccountId ?? all.Select(i => i.Finding.AccountId).FirstOrDefault(a => a is not null);
            Region = context.Region ?? all.Select(i => i.Finding.Region).FirstOrDefault(r => r is not null);
            // A repair report repeats its finding's requests: count each finding once.
            var findings = all.DistinctBy(i => i.Finding.Id).ToList();
            Failed = findings.Sum(i => (long)i.Finding.Count);
            HeldBack = findings.Sum(i => i.SuppressedSinceLastAlert);
            FirstSeen = all.Select(i => i.Finding.FirstSeen).Where(t => t is not null).Min();
            LastSeen = all.Select(i => i.Finding.LastSeen ?? i.Finding.FirstSeen).Where(t => t is not null).Max();
            Worst = items[0];
            Causes = items.Select(i => CauseOf(i)).Distinct().ToList();
            Id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f',
                [ApiId, Stage, JsonReport.Time(FirstSeen), part.ToString(CultureInfo.InvariantCulture), .. items.Select(i => i.Finding.Id + CauseOf(i))]))))[..16];
        }

        private readonly IReadOnlyList<DigestItem> _all;

        public IReadOnlyList<DigestItem> Items { get; }
        public DigestContext Context { get; }
        public int Part { get; }
        public int Parts { get; }
        public string Id { get; }
        public string? ApiId { get; }
        public string? Stage { get; }
        public ApiType? ApiType { get; }
        public string? Account { get; }
        public string? Region { get; }
        public long Failed { get; }
        public long HeldBack { get; }
        public DateTimeOffset? FirstSeen { get; }
        public DateTimeOffset? LastSeen { get; }
        public DigestItem Worst { get; }
        public IReadOnlyList<string> Causes { get; }
        public string Severity => FindingMessages.Severity(Worst.Finding.Cause);

        public string Api => ApiId is null ? (Stage ?? "API not in the log") : Stage is null ? ApiId : $"{ApiId}/{Stage}";

        public string PartText => Parts > 1 ? $" (part {Part} of {Parts})" : "";

        public double? ErrorRate => Context.Requests is > 0 and var r ? Math.Min(1.0, (Context.FailedRequests ?? Failed) / (double)r) : null;

        public string Window => (FirstSeen, LastSeen) switch
        {
            (null, _) => "time not in the log",
            ({ } a, { } b) when b > a => $"{JsonReport.Time(a)} to {JsonReport.Time(b)} ({Span(b - a)})",
            ({ } a, _) => JsonReport.Time(a)!,
        };

        public string Rate => ErrorRate is { } rate
            ? $"{(rate * 100).ToString("0.##", CultureInfo.InvariantCulture)}% ({Context.FailedRequests ?? Failed} of {Context.Requests} requests)"
            : "not known" + (Context.RateNote is { } note ? $": {note}" : "");

        public string Where
        {
            get
            {
                var parts = new List<string>();
                if (Account is not null) parts.Add($"account {Account}");
                if (Region is not null) parts.Add($"region {Region}");
                if (ApiId is not null) parts.Add($"API {ApiId}" + (ApiType is { } t ? $" ({t.ToName()})" : ""));
                if (Stage is not null) parts.Add($"stage {Stage}");
                return string.Join(", ", parts);
            }
        }

        public string Headline
        {
            get
            {
                var problems = Items.Count == 1 && Parts == 1 ? FindingMessages.Headline(Worst.Finding, Worst.Repair)
                    : $"{Api}: {AllCount} problem(s), {Failed} failed request(s)";
                return problems + PartText;
            }
        }

        public int AllCount => _all.Count;
    }

    private static string CauseOf(DigestItem i) => FindingMessages.CauseOf(i.Finding, i.Repair);

    private static string Span(TimeSpan t) => t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0} ms"
        : t.TotalMinutes < 1 ? $"{t.TotalSeconds:0} s"
        : t.TotalHours < 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
        : $"{(int)t.TotalHours} h {t.Minutes} min";

    /// <summary>A finding's title inside its digest: the API and stage are the digest's, and a route the log does not show is left out.</summary>
    private static string SectionTitle(DigestItem i) =>
        $"{FindingDisplay.Status(i.Finding)} {CauseOf(i)} x{i.Finding.Count}" + (FindingDisplay.Route(i.Finding) is var route && route != "-" ? $" on {route}" : "");

    private static string Row(DigestItem i) =>
        $"{FindingMessages.Severity(i.Finding.Cause)} {SectionTitle(i)}"
        + (i.Repair?.Refusal is { } r ? $" ({RepairReport.ReasonName(r)})" : "");

    /// <summary>ASCII, one line, at most 99 characters. One finding: as its own message was; several: the API, the count and the worst.</summary>
    private static string Subject(Digest d)
    {
        var text = d.Items.Count == 1 && d.Parts == 1
            ? FindingMessages.Subject(d.Worst.Finding, d.Worst.Repair)
            : $"[Remediator] {d.Api} {d.Failed} failed, {d.Causes.Count} cause(s): {FindingDisplay.Status(d.Worst.Finding)} {CauseOf(d.Worst)} x{d.Worst.Finding.Count}"
              + (d.Parts > 1 ? $" ({d.Part}/{d.Parts})" : "");
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        var subject = sb.ToString();
        return subject.Length <= 99 ? subject : subject[..98] + "~";
    }

    private static List<MessageAttribute> Attributes(Digest d)
    {
        var list = new List<MessageAttribute>
        {
            new("cause", StringArray(d.Causes), "String.Array"),
            new("severity", d.Severity),
            new("findingId", StringArray(d.Items.Select(i => i.Finding.Id).Distinct()), "String.Array"),
        };
        if (d.ApiId is { Length: > 0 } api) list.Add(new("apiId", api));
        if (d.Stage is { Length: > 0 } stage) list.Add(new("stage", stage));
        if (d.Worst.Finding.Status is { } status) list.Add(new("status", status.ToString(CultureInfo.InvariantCulture), "Number"));
        var refusals = d.Items.Select(i => i.Repair?.Refusal).OfType<RefusalReason>().Select(RepairReport.ReasonName).Distinct().ToList();
        if (refusals.Count > 0) list.Add(new("refusal", StringArray(refusals), "String.Array"));
        if (d.Context.DedupStateUnavailable) list.Add(new("dedupState", UnavailableState));
        return list;
    }

    private static string StringArray(IEnumerable<string> values)
    {
        return Report.JsonText.Write(default, w =>
        {
            w.WriteStartArray();
            foreach (var v in values)
            {
                w.WriteStringValue(v);
            }
            w.WriteEndArray();
        });
    }

    private static string Email(Digest d, bool compact)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Remediator: {d.Headline}");
        sb.AppendLine();
        FindingMessages.Line(sb, "Failed", $"{d.Failed} request(s)" + (d.HeldBack > 0 ? $", and {d.HeldBack} held back by the cooldown since the last alert" : ""));
        FindingMessages.Line(sb, "Window", d.Window);
        FindingMessages.Line(sb, "Error rate", d.Rate);
        FindingMessages.Line(sb, "Where", d.Where);
        if (d.Context.DedupStateUnavailable)
        {
            FindingMessages.Line(sb, "Duplicates", DedupNote);
        }
        sb.AppendLine();
        sb.AppendLine(d.Parts > 1 ? $"By cause, worst first (this part: {d.Items.Count} of them)" : "By cause, worst first");
        var n = 1;
        foreach (var item in d.Items)
        {
            sb.AppendLine($"  {n++}. {Row(item)}");
        }
        n = 1;
        foreach (var item in d.Items.Take(DetailedFindings))
        {
            sb.AppendLine();
            sb.AppendLine($"== {n++}. {SectionTitle(item)} ==");
            FindingMessages.EmailSection(sb, item.Finding, item.Alert(d.Context), d.Account, d.Region, item.Repair, compact, withWhere: false);
            sb.AppendLine($"Finding {item.Finding.Id}");
        }
        sb.AppendLine();
        if (d.Items.Count > DetailedFindings)
        {
            sb.AppendLine($"Findings {DetailedFindings + 1} to {d.Items.Count} are in full in the JSON (email-json, SQS and Lambda subscriptions).");
        }
        sb.AppendLine("Each finding keeps its id in every message, so repeats can be de-duplicated.");
        return sb.ToString();
    }

    private static string Chatbot(Digest d, bool compact)
    {
        var description = new StringBuilder();
        description.AppendLine($"*Failed:* {d.Failed} request(s), {d.Window}" + (d.HeldBack > 0 ? $"; {d.HeldBack} more held back since the last alert" : ""));
        description.AppendLine($"*Error rate:* {d.Rate}");
        description.AppendLine($"*Where:* {d.Where}");
        description.AppendLine();
        var n = 1;
        foreach (var item in d.Items.Take(DetailedFindings))
        {
            var f = item.Finding;
            description.AppendLine($"*{n++}. {FindingMessages.Severity(f.Cause)}* `{SectionTitle(item)}`: {f.Advice.Summary}");
            if (item.Repair is { } repair)
            {
                description.AppendLine($"    *Repair:* {Scrubber.Neutralise(FindingMessages.RepairLine(repair))}");
                if (repair.ApproveUrl is { } approve)
                {
                    description.AppendLine($"    *Approve:* {approve}");
                }
            }
            if (f.Advice.FunctionLog is { } log)
            {
                description.AppendLine($"    *Function log:* `{log.LogGroup}`" + (log.ConsoleUrl is { } url ? $" ({url})" : ""));
            }
        }
        if (d.Items.Count > DetailedFindings)
        {
            description.AppendLine($"... and {d.Items.Count - DetailedFindings} more: see the e-mail or the JSON.");
        }

        // The worst problem's fix in full, the first step of each other one.
        var worst = d.Worst;
        var nextSteps = new List<string>();
        if (worst.Repair?.Plan is { } plan)
        {
            nextSteps.Add($"{(worst.Repair.Result == RepairResult.Repaired ? "Undo" : "To add it")}: `{(worst.Repair.Result == RepairResult.Repaired ? plan.UndoCommand : plan.AddCommand)}`");
            nextSteps.Add($"Make it permanent (CDK): `{plan.CdkSnippet}`");
        }
        nextSteps.AddRange(worst.Finding.Advice.Steps);
        if (!compact)
        {
            nextSteps.AddRange(worst.Finding.Advice.Commands.Select(cmd => $"{cmd.Label}: `{cmd.Text}`"));
        }
        foreach (var other in d.Items.Skip(1).Take(DetailedFindings - 1).Where(i => i.Finding.Advice.Steps.Count > 0))
        {
            nextSteps.Add($"{SectionTitle(other)}: {other.Finding.Advice.Steps[0]}");
        }

        // Per API, stage and cause, as a single finding's alert threads: a digest joins the thread of its worst cause,
        // so a growing incident stays in one thread while its worst problem stays the same.
        return FindingMessages.ChatNotification(d.Id, worst.Repair?.Result, d.Headline, description.ToString(), nextSteps,
            d.Causes.Append(d.ApiId).Append(d.Stage).OfType<string>(), $"{d.ApiId ?? "api"}:{d.Stage ?? "stage"}:{worst.Finding.Cause.ToName()}", "RemediatorDigest",
            [("digestId", d.Id), ("severity", d.Severity), ("causes", string.Join(",", d.Causes)), ("findingIds", string.Join(",", d.Items.Select(i => i.Finding.Id).Distinct())),
             ("failedRequests", d.Failed.ToString(CultureInfo.InvariantCulture)), ("apiId", d.ApiId), ("stage", d.Stage)]);
    }

    private static string Machine(Digest d)
    {
        return Report.JsonText.Write(JsonReport.Options(indented: false), w =>
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("digestId", d.Id);
            w.WriteString("accountId", d.Account);
            w.WriteString("region", d.Region);
            w.WriteString("apiId", d.ApiId);
            w.WriteString("stage", d.Stage);
            w.WriteString("apiType", d.ApiType?.ToName());
            w.WriteNumber("part", d.Part);
            w.WriteNumber("parts", d.Parts);
            w.WriteString("severity", d.Severity);
            w.WriteStartArray("causes");
            foreach (var c in d.Causes)
            {
                w.WriteStringValue(c);
            }
            w.WriteEndArray();
            w.WriteNumber("failedRequests", d.Failed);
            w.WriteNumber("heldBackSinceLastAlert", d.HeldBack);
            w.WriteString("firstSeen", JsonReport.Time(d.FirstSeen));
            w.WriteString("lastSeen", JsonReport.Time(d.LastSeen));
            if (d.Context.Requests is { } requests) w.WriteNumber("requests", requests); else w.WriteNull("requests");
            if (d.ErrorRate is { } rate) w.WriteNumber("errorRate", Math.Round(rate, 5)); else w.WriteNull("errorRate");
            w.WriteString("errorRateNote", d.ErrorRate is null ? d.Context.RateNote : null);
            if (d.Context.DedupStateUnavailable)
            {
                w.WriteString("dedupState", UnavailableState);
                w.WriteString("dedupNote", DedupNote);
            }
            w.WriteStartArray("findings");
            foreach (var item in d.Items)
            {
                FindingMessages.WriteMachine(w, item.Finding, item.Alert(d.Context), d.Account, d.Region, item.Repair);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
