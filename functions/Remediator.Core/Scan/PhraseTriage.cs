using System.Buffers;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Scan;

/// <summary>What a line means to a request whose earlier lines were held back.</summary>
internal enum LineKind
{
    /// <summary>No phrase that decides anything now: the line may wait (it only matters if the request fails).</summary>
    Deferrable,
    /// <summary>One status below 500 (<c>Method completed with status: 200</c>) or <c>Successfully completed execution</c>.</summary>
    Completion,
    /// <summary>A status line: as <see cref="Completion"/>, and a second one makes the request ambiguous.</summary>
    Status,
    /// <summary>Anything else the phrase table knows (a cause, a 5xx, a gateway response): the request is read in full.</summary>
    Decisive,
}

/// <summary>
/// Sorts lines by the phrases of <see cref="DecisivePhrases"/> (the one table), without reading the rest: the roles
/// below only add facts (route, function, API) to a request that fails, so their lines can wait; every other phrase,
/// including any role added later, makes a line decisive.
/// </summary>
internal static class PhraseTriage
{
    private static readonly PhraseRole[] DeferrableRoles =
    [
        PhraseRole.EndpointUri, PhraseRole.MethodAndPath, PhraseRole.Latency, PhraseRole.ResponseBody, PhraseRole.SourceArn,
        PhraseRole.MethodTemplate, PhraseRole.ResourceTemplate, PhraseRole.ApiStage, PhraseRole.HostHeader,
        PhraseRole.UsagePlanThrottle, PhraseRole.RequestStart,
    ];

    /// <summary>The phrases a line is searched for: every phrase whose role is not deferrable.</summary>
    internal static IReadOnlyList<string> Searched { get; } =
        [.. DecisivePhrases.All.Where(p => !DeferrableRoles.Contains(p.Role)).Select(p => p.Text).Distinct()];

    /// <summary>The phrases whose lines may wait (a test proves none of them overlaps a searched one).</summary>
    internal static IReadOnlyList<string> Deferred { get; } =
        [.. DecisivePhrases.All.Where(p => DeferrableRoles.Contains(p.Role)).Select(p => p.Text).Distinct()];

    private static readonly string StatusPhrase = DecisivePhrases.All.Single(p => p.Role == PhraseRole.ClientStatus).Text;
    private static readonly string EndPhrase = DecisivePhrases.All.Single(p => p.Role == PhraseRole.RequestEnd).Text;

    private static readonly PhraseSearch Exact = new(Searched);

    // The block-wide search is fast only with few strings whose first letters are rare in log lines (the multi-string
    // search filters on the first three chars of each, several strings sharing a filter, and checks every place that
    // passes). So a phrase that contains one of these words is looked for by the word (the thirty-odd Lambda Invoke
    // errors all end in "Exception"); any other phrase, such as one added to the table later, by itself. A hit is then
    // checked against the exact phrases on its line only. The words are few (one serves several phrases: "UTHORIZER_"
    // both AUTHORIZER_ phrases, "tch the fo" both "match the format" ones).
    // Each word is a piece of the phrases it serves, cut for that filter: it compares the high and low four bits of
    // each of the three chars apart, sorts its strings longest first and deals them, by their first three chars, into
    // eight groups whose bits it ORs; a group then passes every mix of its members' bits. So a piece is keyed on three
    // chars rare in log lines, and the pieces are such (and in such an order) that their groups stay rare: which three
    // chars of each phrase to key on was searched (simulated annealing over the sets of three-char keys, each phrase
    // taking the first key it holds, counting with the search's own tables the places that pass on the 200 MB
    // benchmark export and on the test fixtures). About one place in a thousand of the export passes, nearly all of them
    // the two lines every request ends with (a pass costs a check of its group's strings), and three in a thousand of
    // the fixtures, rich in failures; the pieces before let ten in a thousand of both pass. Pieces that start with the
    // same three chars ("rror:", "rror while", ...) share a group: one more comparison where it passes, no more places.
    private static readonly string[] Anchors =
    [
        "nable to d", "MS access ", "xceeded", "ailed with", "rmissions ", "rmission t", "found: ", "eTooLarge", "oo long",
        "rror:", "rror=Unhan", "ailed due ", "med out", "IMEOUT", "med Lambda", "ALFORMED_P", "tch the fo", "xception",
        "nvalid JSO", "parse poli", "UTHORIZER_", "IX path bu", "IX path va", "eneral SSL", "tch the ce", "rror while",
        "Illegal ch", "ink error", "nvalid end", "rror commu", "nable to t", "nvalid met", "ompleted w", "eway respo",
        "parsing:", "ompleted e",
    ];

    // In the order of the anchors (the filter's groups depend on it), then any phrase that holds none.
    /// <summary>What the block-wide search looks for: every searched phrase contains one of them.</summary>
    internal static IReadOnlyList<string> Triggers { get; } =
        [.. Anchors.Where(a => Searched.Any(t => t.Contains(a, StringComparison.Ordinal))),
         .. Searched.Where(t => !Anchors.Any(a => t.Contains(a, StringComparison.Ordinal)))];

    private static readonly SearchValues<string> TriggerSearch = SearchValues.Create([.. Triggers], StringComparison.Ordinal);

    /// <summary>Where the next line that may hold a searched phrase is, in <paramref name="text"/>; -1 when none.</summary>
    public static int NextCandidate(ReadOnlySpan<char> text) => text.IndexOfAny(TriggerSearch);

    /// <summary>
    /// The kind of one line, given its text after the request id: what the reader's evidence sees of it (anything else
    /// the normalizer strips only makes the verdict stricter).
    /// </summary>
    public static LineKind Classify(ReadOnlySpan<char> line)
    {
        var statuses = 0;
        var end = false;
        int at;
        while ((at = Exact.IndexIn(line)) >= 0)
        {
            line = line[at..];
            if (line.StartsWith(StatusPhrase, StringComparison.Ordinal))
            {
                line = line[StatusPhrase.Length..];
                // Only a status the reader would take as a whole 1xx-4xx can wait; a 5xx, a cut or odd number cannot.
                if (++statuses > 1 || LeadingInt(line) is not (>= 100 and < 500))
                {
                    return LineKind.Decisive;
                }
            }
            else if (line.StartsWith(EndPhrase, StringComparison.Ordinal))
            {
                line = line[EndPhrase.Length..];
                end = true;
            }
            else
            {
                return LineKind.Decisive;
            }
        }
        return statuses == 1 ? LineKind.Status : end ? LineKind.Completion : LineKind.Deferrable;
    }

    /// <summary>As <c>RequestEvidence.LeadingInt</c>: spaces, then up to nine digits.</summary>
    private static int? LeadingInt(ReadOnlySpan<char> s)
    {
        s = s.TrimStart(' ');
        var value = 0;
        var digits = 0;
        while (digits < s.Length && digits < 9 && char.IsAsciiDigit(s[digits]))
        {
            value = value * 10 + (s[digits] - '0');
            digits++;
        }
        return digits == 0 ? null : value;
    }
}
