using System.Buffers;
using System.Text;

namespace Remediator.Core.Scan;

/// <summary>
/// A search for the first of many phrases that stays vectorised: <see cref="SearchValues{T}"/> of strings uses its
/// fast algorithm only when every string is ASCII, and one phrase with a typographic apostrophe made it fall back to
/// a far slower one (Aho-Corasick, char by char). So the ASCII phrases are searched together and the few others one
/// by one, each with the vectorised single-string search.
/// </summary>
internal sealed class PhraseSearch
{
    private readonly SearchValues<string> _ascii;
    private readonly string[] _others;

    public PhraseSearch(IEnumerable<string> phrases)
    {
        var all = phrases.Distinct().ToArray();
        _ascii = SearchValues.Create(all.Where(p => Ascii.IsValid(p)).ToArray(), StringComparison.Ordinal);
        _others = all.Where(p => !Ascii.IsValid(p)).ToArray();
    }

    /// <summary>Where the first phrase in <paramref name="text"/> starts; -1 when none.</summary>
    public int IndexIn(ReadOnlySpan<char> text)
    {
        var ascii = text.IndexOfAny(_ascii);
        var before = text[..(ascii < 0 ? text.Length : ascii)];
        var other = -1;
        foreach (var phrase in _others)
        {
            // As one multi-string search of the text before the ASCII match: the earliest start of any of them.
            var at = before.IndexOf(phrase, StringComparison.Ordinal);
            if (at >= 0 && (other < 0 || at < other))
            {
                other = at;
            }
        }
        return other >= 0 ? other : ascii;
    }
}
