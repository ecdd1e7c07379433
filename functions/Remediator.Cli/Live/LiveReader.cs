using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Function.Aws;

namespace Remediator.Cli.Live;

/// <summary>A log group to read, and the pattern it is filtered with on the server: the one the stack deploys for it.</summary>
internal sealed record LogTarget(string Group, bool Execution, AccessLogFormat Format = AccessLogFormat.Json)
{
    public string Pattern => Execution ? SubscriptionFilterTerms.Pattern : AccessLogFilterPatterns.For(Format);

    /// <summary><c>--log-group NAME[:json|:clf]</c>: an execution-log group by its name, any other an access-log group
    /// (a group name cannot contain ':', so the suffix is unambiguous, as in the stack's <c>accessLogGroups</c>).</summary>
    public static LogTarget Parse(string text)
    {
        var (name, format) = text.LastIndexOf(':') is var at && at > 0 && text[(at + 1)..] is "json" or "clf"
            ? (text[..at], text[(at + 1)..] == "clf" ? AccessLogFormat.Clf : AccessLogFormat.Json)
            : (text, AccessLogFormat.Json);
        return new LogTarget(name, new LogContext(name, null, name).IsExecutionLogGroup, format);
    }
}

/// <summary>What reading cost: FilterLogEvents calls, events and bytes received, per run.</summary>
internal sealed class ReadCost
{
    public int Calls { get; set; }
    public long Events { get; set; }
    public long Bytes { get; set; }
    public SortedSet<string> Groups { get; } = new(StringComparer.Ordinal);

    public string Describe() =>
        $"{Groups.Count} log group(s), {Calls} FilterLogEvents call(s), {Events:N0} event(s), {Size(Bytes)}";

    private static string Size(long bytes) => bytes < 1024 ? $"{bytes} B" : bytes < 1024 * 1024 ? $"{bytes / 1024.0:0.0} KB" : $"{bytes / 1048576.0:0.0} MB";
}

/// <summary>
/// Reads a time window of API Gateway logs from CloudWatch Logs in two passes, so that the diagnosis sees whole
/// requests while little is transferred. First, each group filtered on the server with the pattern the stack
/// deploys for it (execution logs: the decisive terms; access logs: every 5xx entry). Then, for execution logs, the
/// remaining lines of just the requests the first pass found, their ids as filter terms (chunked under the 1024
/// character limit). Access-log entries are whole requests already; a REST request that both logs show is taken
/// from the execution log, which tells more (the function, the route template). Remembers the events and requests
/// it has read, so that <c>--follow</c> can read overlapping windows without counting anything twice.
/// </summary>
internal sealed class LiveReader(ILogEventSource logs, LiveProgress progress, Action<string> warn)
{
    /// <summary>Requests whose whole lines are fetched per window; past it, a request is diagnosed from its decisive lines.</summary>
    public const int MaxFollowUpRequests = 2_000;

    /// <summary>How far around its decisive lines a request's other lines are looked for: API Gateway waits at most 29 s
    /// for an integration by default; a raised quota stays well inside this.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);

    // Remembered across windows (--follow); cleared past a bound so that a long follow stays in bounded memory.
    private readonly HashSet<string> _seenEvents = new(StringComparer.Ordinal), _seenRequests = new(StringComparer.Ordinal);
    private const int MaxRemembered = 200_000;

    public ReadCost Cost { get; } = new();

    public async Task<List<LogRecord>> ReadAsync(IReadOnlyList<LogTarget> targets, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        if (_seenEvents.Count > MaxRemembered || _seenRequests.Count > MaxRemembered)
        {
            _seenEvents.Clear();
            _seenRequests.Clear();
        }
        var records = new List<LogRecord>();
        var executionIds = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var target in targets.OrderBy(t => t.Execution ? 0 : 1))
        {
            progress.Group = target.Group;
            progress.Update();
            List<FilteredLogEvent> first;
            try
            {
                first = await FetchAsync(target.Group, start, end, target.Pattern, ct).ConfigureAwait(false);
            }
            catch (AwsCallException e) when (e.Code == "ResourceNotFoundException")
            {
                missing.Add(target.Group);
                warn($"{target.Group}: no such log group ({(target.Execution ? "execution logging may be off for this stage" : "access logging may point elsewhere")}); not read");
                continue;
            }
            var context = new LogContext(target.Group, null, target.Group);
            var firstRecords = Records(first.Where(e => _seenEvents.Add(e.EventId)).ToList(), context);
            if (!target.Execution)
            {
                foreach (var record in firstRecords.Where(r => AccessRequestId(r) is not { } id || !executionIds.Contains(id)))
                {
                    records.Add(record);
                    progress.Requests++;
                    progress.Failures++;
                }
                continue;
            }
            // Each request the first pass saw, with the span of its decisive lines, in order of appearance.
            var spans = new Dictionary<string, (long Min, long Max)>(StringComparer.Ordinal);
            var order = new List<string>();
            var byId = new Dictionary<string, List<LogRecord>>(StringComparer.Ordinal);
            foreach (var record in firstRecords)
            {
                if (record.RequestId is not { } id || _seenRequests.Contains(id))
                {
                    if (record.RequestId is null)
                    {
                        records.Add(record);
                    }
                    continue;
                }
                var ms = record.Timestamp?.ToUnixTimeMilliseconds() ?? start.ToUnixTimeMilliseconds();
                if (spans.TryGetValue(id, out var span))
                {
                    spans[id] = (Math.Min(span.Min, ms), Math.Max(span.Max, ms));
                    byId[id].Add(record);
                }
                else
                {
                    spans[id] = (ms, ms);
                    byId[id] = [record];
                    order.Add(id);
                }
            }
            executionIds.UnionWith(order);
            progress.Requests += order.Count;
            progress.Failures += order.Count;
            progress.Update();
            // Only ids of API Gateway's shape become filter terms: a line anyone can write must not write the pattern.
            var fetch = order.Where(IsSafeTerm).Take(MaxFollowUpRequests).ToList();
            records.AddRange(await FollowUpAsync(target.Group, fetch, spans, context, ct).ConfigureAwait(false));
            var rest = order.Except(fetch).ToList();
            if (rest.Count > 0)
            {
                warn($"{target.Group}: {rest.Count} request(s) past the first {MaxFollowUpRequests} are diagnosed from their decisive lines only (narrow --since for whole requests)");
                records.AddRange(rest.SelectMany(id => byId[id]));
            }
            _seenRequests.UnionWith(order);
        }
        if (missing.Count == targets.Count && targets.Count > 0)
        {
            throw new LiveReadException($"none of the log groups exists in this account and region: {string.Join(", ", missing)}");
        }
        return records;
    }

    /// <summary>The whole lines of the requests <paramref name="ids"/>, in the order CloudWatch stores them.</summary>
    private async Task<List<LogRecord>> FollowUpAsync(string group, List<string> ids, Dictionary<string, (long Min, long Max)> spans, LogContext context, CancellationToken ct)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var events = new List<FilteredLogEvent>();
        foreach (var chunk in Chunks(ids))
        {
            var from = DateTimeOffset.FromUnixTimeMilliseconds(chunk.Min(id => spans[id].Min)) - Margin;
            var to = DateTimeOffset.FromUnixTimeMilliseconds(chunk.Max(id => spans[id].Max)) + Margin;
            events.AddRange(await FetchAsync(group, from, to, TermsPattern(chunk), ct).ConfigureAwait(false));
        }
        var ordered = events.DistinctBy(e => e.EventId).OrderBy(e => e.Timestamp).ToList();
        foreach (var e in ordered)
        {
            _seenEvents.Add(e.EventId);
        }
        // A term can match inside another request's line (one that quotes the id): only the wanted requests' lines count.
        return Records(ordered, context).Where(r => r.RequestId is { } id && wanted.Contains(id)).ToList();
    }

    /// <summary>Every page of one FilterLogEvents query: paging goes on while there is a nextToken, even after empty pages.</summary>
    private async Task<List<FilteredLogEvent>> FetchAsync(string group, DateTimeOffset from, DateTimeOffset to, string pattern, CancellationToken ct)
    {
        var events = new List<FilteredLogEvent>();
        string? token = null;
        Cost.Groups.Add(group);
        while (true)
        {
            var page = await logs.FilterLogEventsAsync(new FilterLogEventsRequest(group, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), pattern, token), ct).ConfigureAwait(false);
            Cost.Calls++;
            Cost.Events += page.Events.Count;
            Cost.Bytes += page.Bytes;
            progress.Events += page.Events.Count;
            progress.Update();
            events.AddRange(page.Events);
            if (page.NextToken is null || page.NextToken == token)
            {
                return events;
            }
            token = page.NextToken;
        }
    }

    /// <summary>Ids as quoted terms, any of which matches (<c>?"id1" ?"id2"</c>), as many per pattern as 1024 characters hold.</summary>
    public static IEnumerable<List<string>> Chunks(IReadOnlyList<string> ids)
    {
        var chunk = new List<string>();
        var length = 0;
        foreach (var id in ids)
        {
            var term = id.Length + 4; // ?"id" and a space
            if (chunk.Count > 0 && length + term - 1 > CloudWatchLogsShapes.MaxFilterPatternLength)
            {
                yield return chunk;
                chunk = [];
                length = 0;
            }
            chunk.Add(id);
            length += term;
        }
        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>The request id of an access-log record: parsed already, or still the entry's text (JSON or CLF).</summary>
    private static string? AccessRequestId(LogRecord r)
    {
        if ((r.RequestId ?? r.Access?.RequestId) is { } known)
        {
            return known;
        }
        var text = r.Text.AsSpan().Trim();
        if (text.StartsWith("{"))
        {
            try
            {
                using var doc = JsonDocument.Parse(r.Text);
                return AccessLogEntry.FromJson(doc.RootElement)?.RequestId;
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return AccessLogEntry.LooksLikeClf(text) ? AccessLogEntry.FromClf(r.Text)?.RequestId : null;
    }

    public static string TermsPattern(IEnumerable<string> ids) => string.Join(' ', ids.Select(id => $"?\"{id}\""));

    private static bool IsSafeTerm(string id) => id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '=');

    /// <summary>Events as the Core reads <c>aws logs filter-log-events</c> output: the same parser as an exported file.</summary>
    private List<LogRecord> Records(IReadOnlyList<FilteredLogEvent> events, LogContext context)
    {
        if (events.Count == 0)
        {
            return [];
        }
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("events");
            foreach (var e in events)
            {
                w.WriteStartObject();
                w.WriteString("logStreamName", e.LogStreamName);
                w.WriteNumber("timestamp", e.Timestamp);
                w.WriteString("message", e.Message);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        buffer.Position = 0;
        try
        {
            return InputReader.Read(buffer, context).ToList();
        }
        catch (UnreadableInputException e)
        {
            warn($"{context.LogGroup}: events that cannot be read were left out ({e.Message})");
            return [];
        }
    }
}

/// <summary>Reading failed in a way the person can act on; the message says how.</summary>
internal sealed class LiveReadException(string message) : Exception(message);
