using System.Buffers;
using System.Text;

namespace Remediator.Core.Scan;

/// <summary>
/// A search for the first of many phrases that stays vectorised: <see cref="SearchValues{T}"/> of strings uses its
/// fast algorithm only when every string is ASCII, and one phrase with a typographic apostrophe made it fall back to
/// a far slower one. So the ASCII phrases are searched together and the few others apart.
/// </summary>
internal sealed class PhraseSearch
{
    private readonly SearchValues<string> _ascii, _others;

    public PhraseSearch(IEnumerable<string> phrases)
    {
        var all = phrases.Distinct().ToArray();
        _ascii = SearchValues.Create(all.Where(p => Ascii.IsValid(p)).ToArray(), StringComparison.Ordinal);
        _others = SearchValues.Create(all.Where(p => !Ascii.IsValid(p)).ToArray(), StringComparison.Ordinal);
    }

    /// <summary>Where the first phrase in <paramref name="text"/> starts; -1 when none.</summary>
    public int IndexIn(ReadOnlySpan<char> text)
    {
        var ascii = text.IndexOfAny(_ascii);
        var other = text[..(ascii < 0 ? text.Length : ascii)].IndexOfAny(_others);
        return other >= 0 ? other : ascii;
    }
}
