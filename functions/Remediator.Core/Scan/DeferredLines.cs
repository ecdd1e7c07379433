using System.Runtime.InteropServices;
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
/// <remarks>
/// One array holds everything, each line after a small header (its length in two chars, then a flag char and, when
/// timed, the time in four): a request's first line touches one cold array, not one per field, and a close nothing.
/// </remarks>
internal sealed class DeferredLines(LogContext context, DeferralBudget budget)
{
    private const int Untimed = 3, Timed = 7;
    private char[] _chars = new char[4096];
    private int _length;
    private int _held; // chars of the lines themselves, as the budget counts them
    private bool _grown;

    public LogContext Context { get; set; } = context;

    public void Add(ReadOnlySpan<char> line, long? timestampMs)
    {
        var at = _length;
        var end = at + (timestampMs.HasValue ? Timed : Untimed) + line.Length;
        if (end > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, end));
            _grown = _chars.Length > 64 * 1024;
        }
        var chars = _chars;
        chars[at] = (char)line.Length;
        chars[at + 1] = (char)(line.Length >> 16);
        if (timestampMs is { } ms)
        {
            chars[at + 2] = '\u0001';
            MemoryMarshal.Write(MemoryMarshal.AsBytes(chars.AsSpan(at + Untimed, Timed - Untimed)), ms);
            at += Timed;
        }
        else
        {
            chars[at + 2] = '\0';
            at += Untimed;
        }
        line.CopyTo(chars.AsSpan(at));
        _length = end;
        _held += line.Length;
        budget.Chars += line.Length;
    }

    /// <summary>
    /// Reads these lines into <paramref name="evidence"/> as the records the line readers would have made of them
    /// (<see cref="ToRecord"/>), from the held chars: no string per line. Returns how many held a phrase.
    /// </summary>
    public int ReadInto(Diagnosis.RequestEvidence evidence)
    {
        var recognised = 0;
        var at = 0;
        while (at < _length)
        {
            var length = _chars[at] | _chars[at + 1] << 16;
            DateTimeOffset? ts = null;
            if (_chars[at + 2] != '\0')
            {
                ts = DateTimeOffset.FromUnixTimeMilliseconds(MemoryMarshal.Read<long>(MemoryMarshal.AsBytes(_chars.AsSpan(at + Untimed, Timed - Untimed))));
                at += Timed;
            }
            else
            {
                at += Untimed;
            }
            var line = _chars.AsSpan(at, length);
            at += length;
            var text = LineNormalizer.PlainText(line, line.IndexOf(')'));
            if (evidence.Observe(text, ts))
            {
                recognised++;
            }
        }
        return recognised;
    }

    /// <summary>Done with (read, or its request closed): the holder goes back to the budget's pool.</summary>
    public void Release()
    {
        budget.Chars -= _held;
        _held = 0;
        _length = 0;
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
