using Remediator.Core.Ingest;

namespace Remediator.Core.Scan;

/// <summary>
/// Chars held back across all open requests, so that the deferring readers stay within a memory bound; and the
/// released holders, reused: a request's lines are held in a buffer that the next request takes over, so that a
/// request that succeeds allocates nothing for its lines.
/// </summary>
internal sealed class DeferralBudget(long maxChars)
{
    private readonly Stack<DeferredLines> _free = new();

    public long Chars { get; set; }
    public bool Exceeded => Chars > maxChars;

    public DeferredLines Take(LogContext context)
    {
        if (_free.TryPop(out var lines))
        {
            lines.Context = context;
            return lines;
        }
        return new DeferredLines(context, this);
    }

    public void Return(DeferredLines lines)
    {
        // Past a few hundred (as many requests as are open at once in a busy export) the rest go to the GC.
        if (_free.Count < 1024)
        {
            _free.Push(lines);
        }
    }
}

/// <summary>
/// The lines of one open request that a deferring reader held back, as written (before normalisation), each with the
/// time of its event when the container gave one. Read back only if the request turns decisive; otherwise released
/// when the request closes (see <see cref="DeferralBudget"/>).
/// </summary>
internal sealed class DeferredLines(LogContext context, DeferralBudget budget)
{
    private char[] _chars = new char[4096];
    private int _length;
    private bool _grown;
    private LineList _lines = new();

    public LogContext Context { get; set; } = context;

    public void Add(ReadOnlySpan<char> line, long? timestampMs)
    {
        if (_length + line.Length > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _length + line.Length));
            _grown = _chars.Length > 64 * 1024;
        }
        line.CopyTo(_chars.AsSpan(_length));
        _length += line.Length;
        budget.Chars += line.Length;
        _lines.Add(_length, timestampMs);
    }

    /// <summary>
    /// Reads these lines into <paramref name="evidence"/> as the records the line readers would have made of them
    /// (<see cref="ToRecord"/>), from the held chars: no string per line. Returns how many held a phrase.
    /// </summary>
    public int ReadInto(Diagnosis.RequestEvidence evidence)
    {
        var start = 0;
        var recognised = 0;
        foreach (var (end, ts) in _lines)
        {
            var line = _chars.AsSpan(start, end - start);
            var text = LineNormalizer.PlainText(line, line.IndexOf(')'));
            if (evidence.Observe(text, ts is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null))
            {
                recognised++;
            }
            start = end;
        }
        return recognised;
    }

    /// <summary>Done with (read, or its request closed): the holder goes back to the budget's pool.</summary>
    public void Release()
    {
        budget.Chars -= _length;
        _length = 0;
        _lines.Clear();
        if (_grown)
        {
            _chars = new char[4096]; // one long request must not keep a large buffer for all that follow
            _grown = false;
        }
        budget.Return(this);
    }

    /// <summary>
    /// One plain <c>(id) text</c> line or message (<see cref="TextExportScanner.Id"/>) as the text and JSON readers turn
    /// it into a record (<see cref="LineNormalizer.PlainText"/>): two strings, the id and the text; the id's string
    /// is <paramref name="id"/> when the caller has it (the line's request's key).
    /// </summary>
    public static LogRecord ToRecord(ReadOnlySpan<char> line, long? timestampMs, LogContext context, string? id = null)
    {
        var close = line.IndexOf(')');
        var text = LineNormalizer.PlainText(line, close).ToString();
        var ts = timestampMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        return new LogRecord(id ?? line[1..close].ToString(), ts, text, context);
    }
}

/// <summary>
/// The ends and times of held-back lines, inside their holder (a request's close touches no other object) and without
/// a <c>long?</c> per line (whose flag byte, written then read back with the value, stalls the store).
/// </summary>
internal struct LineList()
{
    private int[] _ends = new int[32];
    private long[] _times = new long[32];
    private bool[] _timed = new bool[32];

    public int Count { get; private set; }

    public readonly (int End, long? TimestampMs) this[int index] =>
        (_ends[index], _timed[index] ? _times[index] : null);

    public void Add(int end, long? timestampMs)
    {
        if (Count == _ends.Length)
        {
            Array.Resize(ref _ends, Count * 2);
            Array.Resize(ref _times, Count * 2);
            Array.Resize(ref _timed, Count * 2);
        }
        _ends[Count] = end;
        _times[Count] = timestampMs.GetValueOrDefault();
        _timed[Count] = timestampMs.HasValue;
        Count++;
    }

    public void Clear() => Count = 0;

    public readonly Enumerator GetEnumerator() => new(this);

    public struct Enumerator(LineList list)
    {
        private int _index = -1;

        public readonly (int End, long? TimestampMs) Current => list[_index];

        public bool MoveNext() => ++_index < list.Count;
    }
}
