using System.Text.Json;
using Remediator.Core.Ingest;

namespace Remediator.Core.Diagnosis;

/// <summary>Bounds that keep a streaming diagnosis in constant memory whatever the input size.</summary>
/// <param name="MaxOpenRequests">Requests held open at once; past it the least recently seen are closed early.</param>
/// <param name="CompletionWindow">
/// Records to wait after a request's status line before closing it: exports sorted newest first put the status
/// line before the lines that say why.
/// </param>
/// <param name="RecentlyClosed">Closed request ids remembered, so that late trailer lines do not open a request again.</param>
public sealed record DiagnosisLimits(int MaxOpenRequests = 50_000, int CompletionWindow = 2_000, int RecentlyClosed = 20_000);

/// <summary>
/// Takes log records one at a time, groups execution-log lines by request (by request id, or in blocks for logs
/// without ids), classifies each request when it is complete, and folds failures into findings.
/// </summary>
public sealed class DiagnosisBuilder(DiagnosisLimits? limits = null)
{
    private readonly DiagnosisLimits _limits = limits ?? new DiagnosisLimits();
    private readonly Dictionary<string, OpenRequest> _open = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, long Seq)> _completed = new();
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);
    private readonly Queue<string> _closedOrder = new();
    private readonly FindingAggregator _findings = new();
    private OpenRequest? _block;
    private long _seq;

    public long Requests { get; private set; }

    public void Add(in LogRecord record)
    {
        _seq++;
        if (record.Access is { } access)
        {
            AddAccess(access, record.Context);
            return;
        }
        var trimmed = record.Text.AsSpan().TrimStart();
        if (trimmed.IsEmpty)
        {
            return;
        }
        if (trimmed[0] == '{')
        {
            AddJsonEntry(record, trimmed);
        }
        else if (record.RequestId is null && AccessLogEntry.LooksLikeClf(trimmed) && AccessLogEntry.FromClf(record.Text) is { } clf)
        {
            AddAccess(clf, record.Context);
        }
        else if (record.RequestId is { } id)
        {
            AddWithId(id, record);
        }
        else
        {
            AddToBlock(record, trimmed);
        }
        CloseSettled();
    }

    /// <summary>Adds an access-log entry that a reader already parsed.</summary>
    public void AddAccess(AccessLogEntry entry, LogContext context)
    {
        Requests++;
        if (AccessLogClassifier.Classify(entry, context) is { } failure)
        {
            _findings.Add(failure);
        }
    }

    /// <summary>Closes every open request (end of input) and returns the diagnosis of everything added so far.</summary>
    public DiagnosisResult Build()
    {
        foreach (var key in _open.Keys.ToList())
        {
            Close(key);
        }
        CloseBlock();
        var findings = _findings.Findings();
        return new DiagnosisResult(findings, new DiagnosisSummary(Requests, _findings.Failed, findings.Count, _findings.Unclassified));
    }

    private void AddJsonEntry(in LogRecord record, ReadOnlySpan<char> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToString(), new JsonDocumentOptions { MaxDepth = 64 });
            if (AccessLogEntry.FromJson(doc.RootElement) is { } entry)
            {
                AddAccess(entry, record.Context);
            }
        }
        catch (JsonException)
        {
            // A brace-led line that is not JSON (a pasted fragment) may still carry a decisive phrase.
            if (record.RequestId is { } id)
            {
                AddWithId(id, record);
            }
            else
            {
                AddToBlock(record, json);
            }
        }
    }

    private void AddWithId(string id, in LogRecord record)
    {
        if (_closed.Contains(id))
        {
            return; // a trailer line (X-ray id, integration request id) of a request already diagnosed
        }
        if (!_open.TryGetValue(id, out var open))
        {
            if (_open.Count >= _limits.MaxOpenRequests)
            {
                EvictOldest();
            }
            _open[id] = open = new OpenRequest(new RequestEvidence(id, record.Context));
        }
        var wasCompleted = open.Evidence.Completed;
        open.Evidence.Observe(record);
        open.LastSeq = _seq;
        if (open.Evidence.Completed && !wasCompleted)
        {
            _completed.Enqueue((id, _seq));
        }
    }

    private void AddToBlock(in LogRecord record, ReadOnlySpan<char> text)
    {
        // Logs without request ids (console tests, 2016-era lines, pasted fragments): a request is a block that
        // starts at a start line and runs until the next start line after its status, or a repeated start line.
        var phrase = DecisivePhrases.At(text);
        if (_block is null)
        {
            _block = NewBlock(record.Context);
        }
        else if (phrase is { Role: PhraseRole.RequestStart } && (_block.Evidence.Completed || _block.StartPhrases.Contains(phrase.Text)))
        {
            CloseBlock();
            _block = NewBlock(record.Context);
        }
        if (phrase is { Role: PhraseRole.RequestStart })
        {
            _block.StartPhrases.Add(phrase.Text);
        }
        _block.Evidence.Observe(record);
    }

    private OpenRequest NewBlock(LogContext context)
    {
        return new OpenRequest(new RequestEvidence(null, context));
    }

    private void CloseBlock()
    {
        if (_block is not null)
        {
            if (_block.Evidence.Recognised)
            {
                Finish(_block.Evidence);
            }
            _block = null;
        }
    }

    private void CloseSettled()
    {
        while (_completed.Count > 0 && _completed.Peek().Seq <= _seq - _limits.CompletionWindow)
        {
            var (key, _) = _completed.Dequeue();
            Close(key);
        }
    }

    private void EvictOldest()
    {
        // Rare (more open requests than the bound): close the least recently seen tenth in one pass.
        foreach (var key in _open.OrderBy(kv => kv.Value.LastSeq).Take(Math.Max(1, _open.Count / 10)).Select(kv => kv.Key).ToList())
        {
            Close(key);
        }
    }

    private void Close(string key)
    {
        if (!_open.Remove(key, out var open))
        {
            return;
        }
        Finish(open.Evidence);
        _closed.Add(key);
        _closedOrder.Enqueue(key);
        while (_closedOrder.Count > _limits.RecentlyClosed)
        {
            _closed.Remove(_closedOrder.Dequeue());
        }
    }

    private void Finish(RequestEvidence evidence)
    {
        Requests++;
        if (evidence.ToFailure() is { } failure)
        {
            _findings.Add(failure);
        }
    }

    private sealed class OpenRequest(RequestEvidence evidence)
    {
        public RequestEvidence Evidence { get; } = evidence;
        public long LastSeq { get; set; }
        private HashSet<string>? _startPhrases;

        /// <summary>Only blocks (logs without request ids) use it: made on first use, not for every request.</summary>
        public HashSet<string> StartPhrases => _startPhrases ??= [];
    }
}
