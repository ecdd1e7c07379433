using System.Buffers;
using Remediator.Core.Ingest;

namespace Remediator.Core.Scan;

/// <summary>Chars held back across all open requests, so that the deferring readers stay within a memory bound.</summary>
internal sealed class DeferralBudget(long maxChars)
{
    public long Chars { get; set; }
    public bool Exceeded => Chars > maxChars;
}

/// <summary>
/// The lines of one open request that a deferring reader held back, as written (before normalisation), each with the
/// time of its event when the container gave one. Read back only if the request turns decisive; otherwise returned
/// to the pool when the request closes.
/// </summary>
internal sealed class DeferredLines(LogContext context, DeferralBudget budget)
{
    private char[] _chars = ArrayPool<char>.Shared.Rent(4096);
    private int _length;
    private readonly List<(int End, long? TimestampMs)> _lines = [];

    public void Add(ReadOnlySpan<char> line, long? timestampMs)
    {
        if (_length + line.Length > _chars.Length)
        {
            var bigger = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + line.Length));
            _chars.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<char>.Shared.Return(_chars);
            _chars = bigger;
        }
        line.CopyTo(_chars.AsSpan(_length));
        _length += line.Length;
        budget.Chars += line.Length;
        _lines.Add((_length, timestampMs));
    }

    /// <summary>The records the line readers would have made of these lines.</summary>
    public IEnumerable<LogRecord> Records()
    {
        var start = 0;
        foreach (var (end, ts) in _lines)
        {
            yield return ToRecord(_chars.AsSpan(start, end - start), ts, context);
            start = end;
        }
    }

    public void Release()
    {
        if (_length < 0)
        {
            return;
        }
        budget.Chars -= _length;
        ArrayPool<char>.Shared.Return(_chars);
        _chars = [];
        _length = -1;
    }

    /// <summary>One <c>(id) text</c> line or message as the text and JSON readers turn it into a record.</summary>
    public static LogRecord ToRecord(ReadOnlySpan<char> line, long? timestampMs, LogContext context)
    {
        var normalized = LineNormalizer.Normalize(line.ToString());
        var ts = timestampMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        return new LogRecord(normalized.RequestId, normalized.Timestamp ?? ts, normalized.Text, context);
    }
}
