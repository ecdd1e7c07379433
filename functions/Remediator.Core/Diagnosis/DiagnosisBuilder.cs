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
    // The open requests and the recently closed ones (Closed), by id: one lookup tells a new id, an open request and
    // a trailer line of a closed one apart; a closed request's object serves the next new id, and only its id stays
    // until the oldest remembered id leaves.
    private readonly RequestTable _open = new();
    private int _openCount;
    private readonly Queue<(OpenRequest Open, long Seq)> _completed = new();
    // The remembered ids in the order they closed, by their table entry and hash (their objects serve other ids by then).
    private readonly Queue<(int Entry, int Hash)> _closedOrder = new();
    // The order of a dictionary of the open requests alone (a freed place is taken again, last freed first): Build and
    // the eviction close requests in that order, as when closed ones left the dictionary at once.
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot;
    private readonly FindingAggregator _findings = new();
    private OpenRequest? _block;
    private long _seq;
    // Lambda function logs pasted instead of (or beside) API Gateway's: invocations by Lambda request id.
    private readonly Dictionary<string, FunctionInvocation> _invocations = new(StringComparer.Ordinal);
    private FunctionInvocation? _currentInvocation, _init;
    // Shortened ids ("4f2a...") seen, to warn where two of them (or one and a full id) could be the same request.
    private readonly List<string> _shortenedIds = [];
    private readonly List<string> _warnings = [];
    private const int MaxShortenedIds = 2_000, MaxWarnings = 20;
    private int _moreWarnings;

    public long Requests { get; private set; }

    /// <summary>Called with every failed request as it is classified; findings keep no per-request times, a timeline needs them.</summary>
    public Action<FailedRequest>? FailureObserved { get => _findings.Observer; set => _findings.Observer = value; }

    /// <summary>Records that held an API Gateway phrase or access-log entry: zero means the input is not API Gateway's.</summary>
    public long ApiGatewayRecords { get; private set; }

    /// <summary>Records that are lines of a Lambda function's own log (START, REPORT, Task timed out, Invoke Error, ...).</summary>
    public long FunctionLogRecords { get; private set; }

    public void Add(in LogRecord record)
    {
        // A row copied from the console or exported as TSV holds the event's first line only; the lines of a
        // multi-line message (an error message, an XML body) follow as rows with neither timestamp nor request id.
        // They continue the event before them, as they do in a text export: held back until the next event starts.
        if (_held is { } held)
        {
            if (IsContinuation(record) && held.Text.Length + record.Text.Length < MaxHeldText)
            {
                _held = held with { Text = held.Text + "\n" + record.Text };
                return;
            }
            _held = null;
            AddEvent(held);
        }
        if (record is { Access: null, RequestId: not null, Timestamp: not null })
        {
            _held = record;
            return;
        }
        AddEvent(record);
    }

    private const int MaxHeldText = 256 * 1024;

    private bool FlushHeld()
    {
        if (_held is { } held)
        {
            _held = null;
            AddEvent(held);
            return true;
        }
        return false;
    }
    private LogRecord? _held;

    private static bool IsContinuation(in LogRecord record) =>
        record is { Access: null, RequestId: null, Timestamp: null } && record.Text.Length > 0;

    private void AddEvent(in LogRecord record)
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
        else if (record.RequestId is null && FunctionLog.TryRead(trimmed, out var functionLine))
        {
            AddFunctionLine(functionLine, record);
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
        ApiGatewayRecords++;
        if (AccessLogClassifier.Classify(entry, context) is { } failure)
        {
            _findings.Add(failure);
        }
    }

    /// <summary>Closes every open request (end of input) and returns the diagnosis of everything added so far.</summary>
    public DiagnosisResult Build()
    {
        FlushHeld();
        foreach (var open in OpenInOrder().ToList())
        {
            Close(open);
        }
        CloseBlock();
        foreach (var invocation in _invocations.Values.ToList())
        {
            FinishInvocation(invocation);
        }
        if (_init is { } init)
        {
            FinishInvocation(init);
        }
        var findings = _findings.Findings();
        foreach (var warning in _findings.Warnings)
        {
            Warn(warning);
        }
        var warnings = _moreWarnings == 0 ? _warnings.ToList() : [.. _warnings, $"{_moreWarnings} more warnings like these"];
        return new DiagnosisResult(findings, new DiagnosisSummary(Requests, _findings.Failed, findings.Count, _findings.Unclassified), warnings);
    }

    private void Warn(string warning)
    {
        if (_warnings.Contains(warning))
        {
            return;
        }
        if (_warnings.Count < MaxWarnings)
        {
            _warnings.Add(warning);
        }
        else
        {
            _moreWarnings++;
        }
    }

    private void AddFunctionLine(in FunctionLine line, in LogRecord record)
    {
        FunctionLogRecords++;
        FunctionInvocation? invocation;
        switch (line.Kind)
        {
            case FunctionLineKind.Start when line.RequestId is { } startId:
                invocation = Invocation(startId, record.Context);
                _currentInvocation = invocation;
                if (_init is { } init)
                {
                    // An init error before the first START belongs to the invocation that paid for the init.
                    invocation.Absorb(init);
                    _init = null;
                }
                break;
            case FunctionLineKind.InitReport:
                invocation = _currentInvocation ?? (_init ??= new FunctionInvocation(null, record.Context));
                break;
            default:
                invocation = line.RequestId is { } id ? Invocation(id, record.Context)
                    : _currentInvocation ?? (_init ??= new FunctionInvocation(null, record.Context));
                break;
        }
        // Not finished at its REPORT: the runtime writes "Task timed out" after the REPORT line of the same id.
        invocation.Observe(line, record);
    }

    private FunctionInvocation Invocation(string id, LogContext context)
    {
        if (!_invocations.TryGetValue(id, out var invocation))
        {
            if (_invocations.Count >= _limits.MaxOpenRequests)
            {
                FinishInvocation(_invocations.Values.First());
            }
            _invocations[id] = invocation = new FunctionInvocation(id, context);
        }
        return invocation;
    }

    private void FinishInvocation(FunctionInvocation invocation)
    {
        if (invocation.RequestId is { } id)
        {
            _invocations.Remove(id);
        }
        if (ReferenceEquals(_currentInvocation, invocation))
        {
            _currentInvocation = null;
        }
        if (ReferenceEquals(_init, invocation))
        {
            _init = null;
        }
        Requests++;
        if (invocation.ToFailure() is { } failure)
        {
            _findings.Add(failure);
        }
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
        if (OpenOrNull(id, record.Context) is not { } open)
        {
            return;
        }
        // Lines a fast reader held back are read first, in their order: the evidence sees every line as written.
        Promote(open);
        if (open.Evidence.Observe(record))
        {
            ApiGatewayRecords++;
        }
        open.LastSeq = _seq;
        MarkCompleted(open);
    }

    /// <summary>The request a line of <paramref name="id"/> belongs to, opened if new; null when it closed recently.</summary>
    private OpenRequest? OpenOrNull(string id, LogContext context) => OpenOrNull(id, id, context);

    /// <summary>As <see cref="OpenOrNull(string, LogContext)"/>; <paramref name="key"/>: the id's string, if the caller has one.</summary>
    private OpenRequest? OpenOrNull(ReadOnlySpan<char> id, string? key, LogContext context)
    {
        var hash = RequestTable.HashOf(id);
        if (_open.Find(id, hash) is { } known)
        {
            return known.Closed ? null : known; // closed: a trailer line (X-ray id, integration request id) of a request already diagnosed
        }
        return Open(id, key, hash, context);
    }

    /// <summary>Opens a request for <paramref name="id"/>, which is not in the table: its string is made only when needed.</summary>
    private OpenRequest Open(ReadOnlySpan<char> id, string? key, int hash, LogContext context)
    {
        if (_openCount >= _limits.MaxOpenRequests)
        {
            EvictOldest();
        }
        var open = _open.Add(id, key, hash, context, _freeSlots.TryPop(out var slot) ? slot : _nextSlot++);
        _openCount++;
        CheckShortened(open);
        return open;
    }

    /// <summary>The open requests in the order a dictionary of them alone would list them.</summary>
    private IEnumerable<OpenRequest> OpenInOrder() => _open.All().OrderBy(o => o.Slot);

    private void MarkCompleted(OpenRequest open)
    {
        if (open.Evidence.Completed && !open.Enqueued)
        {
            _completed.Enqueue((open, _seq));
            open.Enqueued = open.InCompletedQueue = true;
        }
    }

    // The deferring readers (Scan/) hold back the lines of a request that no decisive phrase has marked, and account
    // for each line here without reading it: the sequence, the close window and the open set stay exactly those of
    // Add, and a request whose lines never turn decisive closes having cost no string per line.

    /// <summary>The open request of <paramref name="id"/>, or null (new, or closed and remembered: Add decides).</summary>
    internal OpenRequest? FindOpen(ReadOnlySpan<char> id) => FindRequest(id) is { Closed: false } open ? open : null;

    /// <summary>The request of <paramref name="id"/>, open or recently closed (<see cref="OpenRequest.Closed"/>); null when new.</summary>
    internal OpenRequest? FindRequest(ReadOnlySpan<char> id) => _open.Find(id);

    /// <summary>As <see cref="FindRequest(ReadOnlySpan{char})"/>, telling the id's hash (for <see cref="Defer(OpenRequest?, ReadOnlySpan{char}, LogContext, bool, bool, int)"/>).</summary>
    internal OpenRequest? FindRequest(ReadOnlySpan<char> id, out int hash) => _open.Find(id, hash = RequestTable.HashOf(id));

    /// <summary>
    /// A held-back line of request <paramref name="id"/> (<paramref name="open"/> when the caller knows it open):
    /// counted as <see cref="Add"/> counts it, opening the request if it is new. Returns the request, or null when the
    /// id closed recently and the line is dropped, as <see cref="Add"/> drops it. <paramref name="completes"/>: the
    /// line is a status below 500 or the end of the execution. The caller keeps the line, then calls <see cref="Settle"/>.
    /// </summary>
    internal OpenRequest? Defer(OpenRequest? open, ReadOnlySpan<char> id, LogContext context, bool completes) =>
        Defer(open, id, context, completes, lookedUp: false);

    /// <summary>
    /// As <see cref="Defer(OpenRequest?, ReadOnlySpan{char}, LogContext, bool)"/>; <paramref name="lookedUp"/>: the caller
    /// has just looked the id up (<see cref="FindRequest"/>) and found <paramref name="known"/> (open, recently closed, or
    /// null when new), so that a closed request or a new id needs no second lookup (unless an event held back comes first).
    /// </summary>
    internal OpenRequest? Defer(OpenRequest? known, ReadOnlySpan<char> id, LogContext context, bool completes, bool lookedUp) =>
        Defer(known, id, context, completes, lookedUp, lookedUp ? RequestTable.HashOf(id) : 0);

    /// <summary>As <see cref="Defer(OpenRequest?, ReadOnlySpan{char}, LogContext, bool, bool)"/>; <paramref name="hash"/>: the id's hash from that lookup.</summary>
    internal OpenRequest? Defer(OpenRequest? known, ReadOnlySpan<char> id, LogContext context, bool completes, bool lookedUp, int hash)
    {
        var open = known is { Closed: false } ? known : null;
        var absent = lookedUp && known is null;
        var closed = lookedUp && known is { Closed: true };
        // An event Add is holding back for continuation rows came first: it counts first, as it would through Add.
        if (_held is not null)
        {
            // Should that event close and forget this request, its object stays this request (it is not reused).
            _open.Pinned = open;
            FlushHeld();
            _open.Pinned = null;
            absent = closed = false;
        }
        _seq++;
        if (open is null && !closed)
        {
            open = absent ? Open(id, null, hash, context) : OpenOrNull(id, null, context);
        }
        if (open is not null)
        {
            open.LastSeq = _seq;
            if (completes)
            {
                ApiGatewayRecords++;
                if (!open.Enqueued)
                {
                    _completed.Enqueue((open, _seq));
                    open.Enqueued = open.InCompletedQueue = true;
                }
            }
        }
        return open;
    }

    /// <summary>
    /// A line of <paramref name="open"/> (the open request of its id), without a time, whose plain text is
    /// <paramref name="text"/>: read exactly as <see cref="Add"/> reads its record, with no string made for it. False,
    /// having done nothing, where Add would do more (an event held back comes first, a JSON entry, an empty text): the
    /// caller adds the record then.
    /// </summary>
    internal bool ReadLine(OpenRequest open, ReadOnlySpan<char> text)
    {
        var trimmed = text.TrimStart();
        if (_held is not null || trimmed.IsEmpty || trimmed[0] == '{' || open.Closed)
        {
            return false;
        }
        _seq++;
        // As AddWithId, whose lookup finds this request.
        Promote(open);
        if (open.Evidence.Observe(text, null))
        {
            ApiGatewayRecords++;
        }
        open.LastSeq = _seq;
        MarkCompleted(open);
        CloseSettled();
        return true;
    }

    /// <summary>Closes the requests whose window has passed, as after every <see cref="Add"/>.</summary>
    internal void Settle() => CloseSettled();

    /// <summary>Reads the held-back lines of a request into its evidence; from then on its lines are read as they come.</summary>
    internal void Promote(OpenRequest open)
    {
        if (open.Deferred is not { } deferred)
        {
            return;
        }
        open.Deferred = null;
        open.Promoted = true;
        ApiGatewayRecords += deferred.ReadInto(open.Evidence);
        deferred.Release();
    }

    /// <summary>Promotes every open request with held-back lines (a reader past its memory budget for them).</summary>
    internal void PromoteAll()
    {
        foreach (var open in _open.All())
        {
            Promote(open);
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
        if (_block.Evidence.Observe(record))
        {
            ApiGatewayRecords++;
        }
    }

    /// <summary>
    /// A shortened id ("4f2a...") is a request of its own, as written; where it could also be another id seen (a
    /// longer or full form that agrees with it), the log cannot tell them apart: say so rather than merge or guess.
    /// Runs once per new request id, never per line.
    /// </summary>
    private void CheckShortened(OpenRequest request)
    {
        var shortened = IsShortened(request.Id);
        if (!shortened && _shortenedIds.Count == 0)
        {
            return;
        }
        var id = request.Key;
        foreach (var other in _shortenedIds)
        {
            if (other != id && LineNormalizer.CouldBeSame(id, other))
            {
                Warn($"request ids \"{other}\" and \"{id}\" could be the same request or two: diagnosed as two; export with full request ids to be sure");
                break;
            }
        }
        if (shortened)
        {
            if (_openCount <= 10_000)
            {
                // The first such id in the open requests' order (OpenInOrder), found in one pass rather than a sort of
                // every open request for each shortened id.
                OpenRequest? first = null;
                foreach (var open in _open.All())
                {
                    if ((first is null || open.Slot < first.Slot) && !open.Id.SequenceEqual(id) && !IsShortened(open.Id)
                        && LineNormalizer.CouldBeSame(id, open.Key))
                    {
                        first = open;
                    }
                }
                if (first is not null)
                {
                    Warn($"request ids \"{id}\" and \"{first.Key}\" could be the same request or two: diagnosed as two; export with full request ids to be sure");
                }
            }
            if (_shortenedIds.Count < MaxShortenedIds)
            {
                _shortenedIds.Add(id);
            }
        }
    }

    /// <summary>As <see cref="LineNormalizer.IsShortened"/>, on the id's chars (no string for an id that is not).</summary>
    private static bool IsShortened(ReadOnlySpan<char> id) => id.Contains("...", StringComparison.Ordinal) || id.Contains('…');

    private OpenRequest NewBlock(LogContext context)
    {
        return new OpenRequest("", new RequestEvidence(null, context));
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
            var (open, _) = _completed.Dequeue();
            open.InCompletedQueue = false;
            // What is open under its id now: the request itself, unless it closed early (evicted) and its id came back.
            if (!open.Closed)
            {
                Close(open);
            }
            else if (_open.Find(open.Id) is { Closed: false } now)
            {
                Close(now);
            }
        }
    }

    private void EvictOldest()
    {
        // Rare (more open requests than the bound): close the least recently seen tenth in one pass.
        foreach (var open in OpenInOrder().OrderBy(o => o.LastSeq).Take(Math.Max(1, _openCount / 10)).ToList())
        {
            Close(open);
        }
    }

    private void Close(OpenRequest open)
    {
        open.Closed = true;
        _openCount--;
        _freeSlots.Push(open.Slot);
        open.Deferred?.Release();
        open.Deferred = null;
        if (open.HasEvidence)
        {
            Finish(open.Evidence);
        }
        else
        {
            Requests++; // never read (its lines were held back): no failure, no ambiguity, as Finish would find
        }
        open.Forget();
        _closedOrder.Enqueue((open.Entry, open.Hash));
        _open.Close(open);
        while (_closedOrder.Count > _limits.RecentlyClosed)
        {
            var (entry, hash) = _closedOrder.Dequeue();
            _open.Remove(entry, hash);
        }
    }

    private void Finish(RequestEvidence evidence)
    {
        Requests++;
        if (evidence.Ambiguity is { } ambiguity)
        {
            Warn($"{ambiguity}: the lines of several requests are mixed; see the finding's note");
        }
        if (evidence.ToFailure() is { } failure)
        {
            _findings.Add(failure);
        }
    }

    internal sealed class OpenRequest
    {
        private LogContext? _context;
        private RequestEvidence? _evidence;
        private char[] _id = [];
        private int _idLength;
        private string? _key;

        public OpenRequest(string key, RequestEvidence evidence)
        {
            _key = key;
            _evidence = evidence;
            Entry = -1;
        }

        /// <summary>A request by id of a <see cref="RequestTable"/>, at <paramref name="entry"/>; see <see cref="Reuse"/>.</summary>
        public OpenRequest(int entry) => Entry = entry;

        /// <summary>
        /// Takes this (new or pooled) object over for a new request by id, whose evidence is made when first read: most
        /// succeed with their lines held back. Its id's chars are kept here and its string made only when asked for.
        /// </summary>
        public void Reuse(ReadOnlySpan<char> id, string? key, int hash, LogContext context, int slot, int entry)
        {
            if (_id.Length < id.Length)
            {
                _id = new char[Math.Max(id.Length, 40)];
            }
            id.CopyTo(_id);
            _idLength = id.Length;
            _key = key;
            Hash = hash;
            _context = context;
            _evidence = null;
            Slot = slot;
            Entry = entry;
            LastSeq = 0;
            Enqueued = InCompletedQueue = Closed = Promoted = HasStatus = false;
            Deferred = null;
            _startPhrases = null;
            Generation++;
        }

        /// <summary>The id's chars (empty for a block).</summary>
        public ReadOnlySpan<char> Id => _id.AsSpan(0, _idLength);
        public string Key => _key ??= new string(_id, 0, _idLength);
        /// <summary>Its entry in the table while open; -1 for a block.</summary>
        public int Entry { get; private set; }
        public int Hash { get; private set; }
        /// <summary>
        /// Counts the requests this object has served: a reference kept across calls (the feed's last request) is that
        /// request only while the generation it saw is unchanged.
        /// </summary>
        public int Generation { get; private set; }
        public RequestEvidence Evidence => _evidence ??= new RequestEvidence(Key, _context!);
        public bool HasEvidence => _evidence is not null;
        /// <summary>Its place in a dictionary of the open requests alone (see <c>_freeSlots</c>).</summary>
        public int Slot { get; private set; }
        public long LastSeq { get; set; }
        /// <summary>Put on the completion queue (once: a later completion line does not move the close).</summary>
        public bool Enqueued { get; set; }
        /// <summary>On the completion queue now: the table does not reuse the object while the queue refers to it.</summary>
        public bool InCompletedQueue { get; set; }
        public bool Closed { get; set; }

        /// <summary>Closed: only its id is remembered (by the table), so its evidence (up to a body per request) goes.</summary>
        public void Forget() => _evidence = null;
        /// <summary>Lines a deferring reader held back, in order; null once read (or when none were).</summary>
        public Scan.DeferredLines? Deferred { get; set; }
        /// <summary>Read line by line from now on (a decisive phrase, or held back past the budget).</summary>
        public bool Promoted { get; set; }
        /// <summary>A status line was seen: a second one makes the request ambiguous, so it is read in full.</summary>
        public bool HasStatus { get; set; }
        private HashSet<string>? _startPhrases;

        /// <summary>Only blocks (logs without request ids) use it: made on first use, not for every request.</summary>
        public HashSet<string> StartPhrases => _startPhrases ??= [];
    }
}
