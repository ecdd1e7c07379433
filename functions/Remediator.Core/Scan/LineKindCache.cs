namespace Remediator.Core.Scan;

/// <summary>
/// <see cref="PhraseTriage.Classify"/> of the last few distinct short texts: nearly every request ends with the same
/// two flagged lines (<c>Successfully completed execution</c>, <c>Method completed with status: 200</c>), and a
/// comparison with the text seen before costs less than the exact multi-phrase search. The kind depends on the text
/// alone, so a remembered one is the one the search would give.
/// </summary>
internal sealed class LineKindCache
{
    private const int Entries = 8, MaxChars = 128;
    private readonly char[][] _texts = new char[Entries][];
    private readonly int[] _lengths = new int[Entries];
    private readonly LineKind[] _kinds = new LineKind[Entries];
    private int _next;

    public LineKindCache()
    {
        for (var i = 0; i < Entries; i++)
        {
            _texts[i] = new char[MaxChars];
            _lengths[i] = -1;
        }
    }

    /// <summary>
    /// The kind of the plain line <c>block[start..(start + length)]</c>, whose id closes at <paramref name="close"/>
    /// (in the line), for a reader going through <paramref name="block"/> line by line: the trigger search runs over the
    /// rest of the block and is remembered in <paramref name="candidate"/> (the next trigger at or after the last line
    /// searched; the block's length when none; -1 unknown), so that most lines cost no search of their own. A trigger
    /// within the line (the id included) only asks for the exact search of its text after the id, which decides: that
    /// text is all the reader's evidence sees of the line (LineNormalizer drops "(id) ").
    /// </summary>
    public LineKind KindAt(ReadOnlySpan<char> block, int start, int length, int close, ref int candidate)
    {
        if (candidate < start)
        {
            var found = PhraseTriage.NextCandidate(block[start..]);
            candidate = found < 0 ? block.Length : start + found;
        }
        return candidate < start + length ? Classify(block.Slice(start + close + 1, length - close - 1)) : LineKind.Deferrable;
    }

    public LineKind Classify(ReadOnlySpan<char> text)
    {
        if (text.Length > MaxChars)
        {
            return PhraseTriage.Classify(text);
        }
        for (var i = 0; i < Entries; i++)
        {
            if (_lengths[i] == text.Length && text.SequenceEqual(_texts[i].AsSpan(0, text.Length)))
            {
                return _kinds[i];
            }
        }
        var kind = PhraseTriage.Classify(text);
        text.CopyTo(_texts[_next]);
        _lengths[_next] = text.Length;
        _kinds[_next] = kind;
        _next = (_next + 1) % Entries;
        return kind;
    }
}
