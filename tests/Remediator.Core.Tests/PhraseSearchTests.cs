using Remediator.Core.Diagnosis;
using Remediator.Core.Scan;

namespace Remediator.Core.Tests;

/// <summary>
/// <see cref="PhraseSearch"/> finds what a plain loop over the phrases finds: the first place where any phrase starts,
/// and there the longest phrase, the first given at equal length (the choice <see cref="DecisivePhrases.At"/> makes).
/// </summary>
public class PhraseSearchTests
{
    private static readonly string[] Table = [.. DecisivePhrases.All.Select(p => p.Text)];

    [Fact]
    public void IndexIn_EveryPhraseOfTheTableInALine_AsAPlainLoop()
    {
        var search = new PhraseSearch(Table);
        for (var i = 0; i < Table.Length; i++)
        {
            foreach (var text in (string[])[
                Table[i],
                "(id) Endpoint response headers: {x-amzn-RequestId=1, " + Table[i] + "}",
                Table[i][..^1] + " " + Table[i],
                Table[(i + 7) % Table.Length] + Table[i] + Table[(i + 3) % Table.Length],
                "Host=Host" + Table[i][1..],
                "\u2019\u00e9" + Table[i] + "\u2019"])
            {
                Check(search, Table, text);
            }
        }
    }

    [Fact]
    public void IndexIn_TextWithoutPhrases_NotFound()
    {
        var search = new PhraseSearch(Table);
        foreach (var text in (string[])["", "H", "Hos", "Host", "Method request headers: {Accept=application/json}", "Method completed with status:"])
        {
            search.IndexIn(text, out var which).ShouldBe(-1, text);
            which.ShouldBe(-1);
        }
    }

    [Theory]
    [InlineData("a|ab|abc|b", "xxabcab b")]
    [InlineData("abcd|abcde|abcdx|bcd", "zabcdxabcde abc bcd")]
    [InlineData("doesn\u2019t|does not|doesn't|do", "x doesn\u2019t does not doesn't")]
    [InlineData("same|same|samer", "the samer same")]
    [InlineData("abcde|bcdef|abcdefg|zzzzz|zzzzzz", "xabcdefgzzzzzzzbcdefabcde abcdeabcde")]
    [InlineData("Host=|HTTP Method: |Hosts=", "Host=Host=xHosts=Host=HTTP Method: Host=")]
    public void IndexIn_ShortAndOverlappingPhrases_AsAPlainLoop(string phrases, string text)
    {
        var list = phrases.Split('|');
        var search = new PhraseSearch(list);
        for (var start = 0; start <= text.Length; start++)
        {
            Check(search, list, text[start..]);
        }
    }

    private static void Check(PhraseSearch search, string[] phrases, string text)
    {
        var (index, which) = PlainLoop(phrases, text);
        search.IndexIn(text, out var found).ShouldBe(index, text);
        found.ShouldBe(which, text);
    }

    private static (int Index, int Which) PlainLoop(string[] phrases, string text)
    {
        for (var at = 0; at < text.Length; at++)
        {
            var which = -1;
            for (var i = 0; i < phrases.Length; i++)
            {
                if (text.AsSpan(at).StartsWith(phrases[i], StringComparison.Ordinal) && (which < 0 || phrases[i].Length > phrases[which].Length))
                {
                    which = i;
                }
            }
            if (which >= 0)
            {
                return (at, which);
            }
        }
        return (-1, -1);
    }
}
