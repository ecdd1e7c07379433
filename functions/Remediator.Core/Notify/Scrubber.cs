using System.Buffers;
using System.Globalization;
using System.Text;

namespace Remediator.Core.Notify;

/// <summary>
/// Removes what looks like a secret or personal data from text that leaves the account or lands in our own logs:
/// e-mail addresses, AWS access keys, bearer tokens and JWTs, <c>key=value</c> secrets, card-like digit runs and
/// long opaque tokens. Then it neutralises chat control text (Slack mentions, links, backticks) and control
/// characters, so that a function's error message cannot page a channel or forge a link.
/// </summary>
/// <remarks>
/// Hand-written scanners, not regular expressions: each pass reads the text once (a bounded look-around per
/// candidate), so the cost is linear in the input whatever the input is, and the result never depends on how busy
/// the machine is. The backtracking regexes they replace needed a wall-clock timeout, and when it fired on a
/// starved CPU the text was withheld; the non-backtracking engine is linear too but is built at run time (a cost
/// paid on a Native AOT cold start). The passes match what the former patterns matched (a test compares them on
/// random text), except that a long run of token characters is a token only when it holds a digit.
/// </remarks>
public static class Scrubber
{
    /// <summary>Scrubbed and neutralised text, cut to <paramref name="max"/> characters.</summary>
    public static string Clean(string? text, int max = 300)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        if (text.Length > 8 * max)
        {
            text = text[..(8 * max)]; // bound the work: scrub only what can be shown
        }
        if (Unchanged(text))
        {
            return text.Length > max ? text[..max] + "…" : text; // no pass could change it: the same result, without the passes
        }
        // Each pass only where the text holds what it needs (the same result: a pass finds nothing elsewhere).
        var s = text.Contains('@') ? Emails(text) : text;
        s = s.AsSpan().IndexOfAny(AccessKeyPrefixes) >= 0 ? Replace(s, AccessKey, AccessKeyStart) : s;
        s = s.AsSpan().IndexOfAny(SchemeNames) >= 0 ? Replace(s, Bearer, SchemeStart) : s;
        s = s.Contains("eyJ", StringComparison.Ordinal) ? Replace(s, new JwtScanner().Match, JwtStart) : s;
        s = s.AsSpan().IndexOfAny(Keywords) >= 0 ? Replace(s, Secret, SecretStart) : s;
        s = HasCardRun(s) ? Replace(s, CardLike, CardStart) : s;
        s = HasLongRun(s) ? Replace(s, LongToken, TokenChars) : s;
        s = Neutralise(s);
        return s.Length > max ? s[..max] + "…" : s;
    }

    /// <summary>
    /// True when no pass of <see cref="Clean"/> can change <paramref name="text"/>: it lacks what each pass needs to
    /// match (an at sign, a control or chat character, a link, a keyword, an access key or JWT prefix, 13 digits, a
    /// long token run). Most values from a log (request ids, methods, paths, most error messages) are such text; the
    /// passes would read them eight times and copy them twice to give them back unchanged.
    /// </summary>
    private static bool Unchanged(string text)
    {
        var span = text.AsSpan();
        if (span.IndexOfAny(Triggers) >= 0 || span.IndexOfAny(Keywords) >= 0 || span.IndexOfAny(CaseKeywords) >= 0
            || span.IndexOf("](") >= 0 || span.IndexOf("://") >= 0)
        {
            return false;
        }
        return !HasCardRun(text) && !HasLongRun(text);
    }

    /// <summary>Whether <paramref name="span"/> holds 13 digits with at most single spaces or hyphens between them (what a card-like run needs).</summary>
    private static bool HasCardRun(ReadOnlySpan<char> span)
    {
        var digits = 0;
        for (var i = 0; i < span.Length && digits < 13; i++)
        {
            var c = span[i];
            digits = char.IsAsciiDigit(c) ? digits + 1
                : c is ' ' or '-' && digits > 0 && i + 1 < span.Length && char.IsAsciiDigit(span[i + 1]) && !(span[i - 1] is ' ' or '-') ? digits
                : 0;
        }
        return digits >= 13;
    }

    /// <summary>Whether <paramref name="span"/> holds a run of 32 or more token characters (what a long token needs).</summary>
    private static bool HasLongRun(ReadOnlySpan<char> span)
    {
        for (var i = 0; span.Length - i >= 32;)
        {
            var start = span[i..].IndexOfAny(TokenChars);
            if (start < 0)
            {
                break;
            }
            i += start;
            var run = span[i..].IndexOfAnyExcept(TokenChars);
            if ((run < 0 ? span.Length - i : run) >= 32)
            {
                return true;
            }
            i += run < 0 ? span.Length - i : run;
        }
        return false;
    }

    /// <summary>What <see cref="Neutralise"/> maps (chat characters, controls), and the at sign of e-mails and mentions.</summary>
    private static readonly SearchValues<char> Triggers = SearchValues.Create(
        "<>`@" + string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)));

    /// <summary>A prefix of every case-insensitive keyword the passes look for (schemes and secret names).</summary>
    private static readonly SearchValues<string> Keywords = SearchValues.Create(["bearer", "basic", "token", "pass", "secret", "api", "authorization"], StringComparison.OrdinalIgnoreCase);

    private static readonly SearchValues<string> AccessKeyPrefixes = SearchValues.Create(["AKIA", "ASIA", "ABIA", "ACCA"], StringComparison.Ordinal);

    private static readonly SearchValues<string> SchemeNames = SearchValues.Create(["bearer", "basic", "token"], StringComparison.OrdinalIgnoreCase); // Schemes, declared below

    /// <summary>The case-sensitive starts: a JWT and the access key prefixes.</summary>
    private static readonly SearchValues<string> CaseKeywords = SearchValues.Create(["eyJ", "AKIA", "ASIA", "ABIA", "ACCA"], StringComparison.Ordinal);

    /// <summary>
    /// Chat and markdown control text made inert: Slack's <c>&lt;!channel&gt;</c>/<c>&lt;@U123&gt;</c>/<c>&lt;url|text&gt;</c> forms lose
    /// their angle brackets, <c>@here</c>/<c>@channel</c> lose their at sign, backticks become quotes, control
    /// characters and newlines become spaces, and links stop being links: a markdown <c>[text](url)</c> gets a space
    /// before its parenthesis and a URL is defanged (<c>https[:]//evil[.]example/login</c>), so text from a log
    /// cannot put a clickable link in a chat channel or an e-mail.
    /// </summary>
    public static string Neutralise(string text)
    {
        if (text.AsSpan().IndexOfAny(Triggers) < 0 && !text.Contains("](", StringComparison.Ordinal) && !text.Contains("://", StringComparison.Ordinal))
        {
            return text; // nothing to map, no mention, no link
        }
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '<' => '‹',
                '>' => '›',
                '`' => '\'',
                '\r' or '\n' or '\t' => ' ',
                _ when char.IsControl(c) => ' ',
                _ => c,
            });
        }
        return Replace(Replace(sb.ToString(), Mention, MentionStart), Link, LinkStart);
    }

    // ---- links: "](" → "] (", and "://host.name" → "[:]//host[.]name" ----

    private static bool Link(string s, int i, out int end, out string replacement)
    {
        end = i;
        replacement = "";
        if (s[i] == ']' && i + 1 < s.Length && s[i + 1] == '(')
        {
            end = i + 2;
            replacement = "] (";
            return true;
        }
        if (s[i] != ':' || string.CompareOrdinal(s, i, "://", 0, 3) != 0)
        {
            return false;
        }
        var sb = new StringBuilder("[:]//");
        var p = i + 3;
        while (p < s.Length && (char.IsAsciiLetterOrDigit(s[p]) || s[p] is '.' or '-'))
        {
            sb.Append(s[p] == '.' ? "[.]" : s[p]);
            p++;
        }
        end = p;
        replacement = sb.ToString();
        return true;
    }

    /// <summary>A pass: at <c>start</c>, either no match, or a match up to <c>end</c> (&gt; start) and its replacement.</summary>
    private delegate bool Matcher(string s, int start, out int end, out string replacement);

    /// <summary>Runs <paramref name="match"/> at each position where a match can begin (a character of <paramref name="first"/>;
    /// the vectorised search skips the rest), replacing each match and going on after it.</summary>
    private static string Replace(string s, Matcher match, SearchValues<char> first)
    {
        StringBuilder? sb = null;
        var last = 0;
        var i = 0;
        while (i < s.Length)
        {
            var next = s.AsSpan(i).IndexOfAny(first);
            if (next < 0)
            {
                break;
            }
            i += next;
            if (match(s, i, out var end, out var replacement))
            {
                sb ??= new StringBuilder(s.Length);
                sb.Append(s, last, i - last).Append(replacement);
                last = i = end;
            }
            else
            {
                i++;
            }
        }
        return sb is null ? s : sb.Append(s, last, s.Length - last).ToString();
    }

    private const string AsciiLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string AsciiDigits = "0123456789";
    private static readonly SearchValues<char> AccessKeyStart = SearchValues.Create("A");
    private static readonly SearchValues<char> SchemeStart = SearchValues.Create("bBtT");
    private static readonly SearchValues<char> JwtStart = SearchValues.Create("e");
    private static readonly SearchValues<char> SecretStart = SearchValues.Create("pPsSaAtTxX");
    private static readonly SearchValues<char> CardStart = SearchValues.Create(AsciiDigits);
    private static readonly SearchValues<char> TokenChars = SearchValues.Create(AsciiLetters + AsciiDigits + "+/=_");
    private static readonly SearchValues<char> MentionStart = SearchValues.Create("@");
    private static readonly SearchValues<char> LinkStart = SearchValues.Create("]:");

    // ---- e-mail: local@label.label.tld (local part ≤ 64, 1–8 labels of ≤ 63, a 2–24 letter top-level domain) ----

    private static string Emails(string s)
    {
        StringBuilder? sb = null;
        var last = 0;
        for (var at = s.IndexOf('@'); at >= 0; at = at + 1 < s.Length ? s.IndexOf('@', at + 1) : -1)
        {
            var start = at;
            while (start > last && at - start < 64 && IsEmailLocal(s[start - 1]))
            {
                start--;
            }
            if (start == at || DomainEnd(s, at + 1) is not (> 0 and var end))
            {
                continue;
            }
            sb ??= new StringBuilder(s.Length);
            sb.Append(s, last, start - last).Append("[email]");
            last = end;
            at = end - 1;
        }
        return sb is null ? s : sb.Append(s, last, s.Length - last).ToString();
    }

    /// <summary>Where <c>(?:label\.){1,8}[A-Za-z]{2,24}</c> from <paramref name="p"/> ends (the most labels that leave a top-level domain), or -1.</summary>
    private static int DomainEnd(string s, int p)
    {
        Span<int> afterDot = stackalloc int[8];
        var labels = 0;
        var q = p;
        while (labels < 8)
        {
            var r = q;
            while (r < s.Length && IsLabel(s[r]))
            {
                r++;
            }
            if (r == q || r - q > 63 || r >= s.Length || s[r] != '.')
            {
                break;
            }
            afterDot[labels++] = q = r + 1;
        }
        for (var k = labels - 1; k >= 0; k--)
        {
            var t = afterDot[k];
            var letters = 0;
            while (letters < 24 && t + letters < s.Length && char.IsAsciiLetter(s[t + letters]))
            {
                letters++;
            }
            if (letters >= 2)
            {
                return t + letters;
            }
        }
        return -1;
    }

    private static bool IsEmailLocal(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    private static bool IsLabel(char c) => char.IsAsciiLetterOrDigit(c) || c == '-';

    // ---- AWS access key ids: \b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b ----

    private static bool AccessKey(string s, int i, out int end, out string replacement)
    {
        end = i + 20;
        replacement = "[aws-key]";
        if (!WordStart(s, i) || end > s.Length || !(s.AsSpan(i, 4) is "AKIA" or "ASIA" or "ABIA" or "ACCA") || !WordEnd(s, end))
        {
            return false;
        }
        for (var k = i + 4; k < end; k++)
        {
            if (!(char.IsAsciiLetterUpper(s[k]) || char.IsAsciiDigit(s[k])))
            {
                return false;
            }
        }
        return true;
    }

    // ---- Authorization schemes: \b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,} → "$1 [token]" ----

    private static readonly string[] Schemes = ["bearer", "basic", "token"];

    private static bool Bearer(string s, int i, out int end, out string replacement)
    {
        end = i;
        replacement = "";
        if (!WordStart(s, i) || KeywordAt(s, i, Schemes) is not { } scheme)
        {
            return false;
        }
        var p = i + scheme.Length;
        var spaces = p;
        while (p < s.Length && char.IsWhiteSpace(s[p]))
        {
            p++;
        }
        if (p == spaces)
        {
            return false;
        }
        var token = p;
        while (p < s.Length && IsBearerChar(s[p]))
        {
            p++;
        }
        if (p - token < 8)
        {
            return false;
        }
        end = p;
        replacement = s.Substring(i, scheme.Length) + " [token]";
        return true;
    }

    private static bool IsBearerChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or '+' or '/' or '=' or '-';

    // ---- JWTs: \beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)? ----

    /// <summary>Remembers where a failed header run ended: a later start inside the same run fails the same way, so a
    /// run such as <c>eyJ-eyJ-eyJ-…</c> is read once, not once per start.</summary>
    private sealed class JwtScanner
    {
        private int _failedRunEnd = -1;

        public bool Match(string s, int i, out int end, out string replacement)
        {
            end = i;
            replacement = "[token]";
            if (i < _failedRunEnd || !WordStart(s, i) || string.CompareOrdinal(s, i, "eyJ", 0, 3) != 0)
            {
                return false;
            }
            var header = Base64UrlRun(s, i + 3);
            if (header - (i + 3) < 5 || header >= s.Length || s[header] != '.')
            {
                _failedRunEnd = header;
                return false;
            }
            var payload = Base64UrlRun(s, header + 1);
            if (payload - (header + 1) < 5)
            {
                _failedRunEnd = header;
                return false;
            }
            end = payload < s.Length && s[payload] == '.' ? Base64UrlRun(s, payload + 1) : payload;
            return true;
        }

        private static int Base64UrlRun(string s, int p)
        {
            while (p < s.Length && (char.IsAsciiLetterOrDigit(s[p]) || s[p] is '_' or '-'))
            {
                p++;
            }
            return p;
        }
    }

    // ---- key=value secrets: \b(password|passwd|secret|api[_-]?key|token|authorization|x-api-key|aws_secret_access_key)\s*[=:]\s*[^\s,;&"']+ → "$1=[redacted]" ----

    private static readonly string[] SecretNames =
        ["password", "passwd", "secret", "apikey", "api_key", "api-key", "token", "authorization", "x-api-key", "aws_secret_access_key"];

    private static bool Secret(string s, int i, out int end, out string replacement)
    {
        end = i;
        replacement = "";
        if (!WordStart(s, i) || KeywordAt(s, i, SecretNames) is not { } name)
        {
            return false;
        }
        var p = SkipSpaces(s, i + name.Length);
        if (p >= s.Length || s[p] is not ('=' or ':'))
        {
            return false;
        }
        p = SkipSpaces(s, p + 1);
        var value = p;
        while (p < s.Length && !char.IsWhiteSpace(s[p]) && s[p] is not (',' or ';' or '&' or '"' or '\''))
        {
            p++;
        }
        if (p == value)
        {
            return false;
        }
        end = p;
        replacement = s.Substring(i, name.Length) + "=[redacted]";
        return true;
    }

    // ---- card-like digit runs: \b[0-9](?:[ -]?[0-9]){12,18}\b (13 to 19 ASCII digits, single spaces or hyphens between) ----

    private static bool CardLike(string s, int i, out int end, out string replacement)
    {
        end = i;
        replacement = "[number]";
        if (!char.IsAsciiDigit(s[i]) || !WordStart(s, i))
        {
            return false;
        }
        Span<int> ends = stackalloc int[19];
        var digits = 0;
        var p = i + 1;
        ends[digits++] = p;
        while (digits < 19)
        {
            if (p < s.Length && char.IsAsciiDigit(s[p]))
            {
                p++;
            }
            else if (p + 1 < s.Length && s[p] is ' ' or '-' && char.IsAsciiDigit(s[p + 1]))
            {
                p += 2;
            }
            else
            {
                break;
            }
            ends[digits++] = p;
        }
        for (var n = digits; n >= 13; n--)
        {
            if (WordEnd(s, ends[n - 1]))
            {
                end = ends[n - 1];
                return true;
            }
        }
        return false;
    }

    // ---- long opaque tokens: a run of 32+ of [A-Za-z0-9+/=_] that holds a digit ----

    private static bool LongToken(string s, int i, out int end, out string replacement)
    {
        end = i;
        replacement = "";
        if (!IsTokenChar(s[i]) || (i > 0 && IsTokenChar(s[i - 1])))
        {
            return false;
        }
        var p = i;
        while (p < s.Length && IsTokenChar(s[p]))
        {
            p++;
        }
        if (p - i < 32 || OpaqueRun(s.AsSpan(i, p - i)) is not { } cleaned)
        {
            return false;
        }
        end = p;
        replacement = cleaned;
        return true;
    }

    /// <summary>
    /// What a long run of token characters becomes, or null to keep it. Without a digit it is a word or a name
    /// (<c>REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS</c>), not a secret: kept. A path (it starts with <c>/</c>) keeps its
    /// shape and loses only the segments of 16+ characters that hold a digit. Anything else is a token.
    /// </summary>
    internal static string? OpaqueRun(ReadOnlySpan<char> run)
    {
        if (run.IndexOfAnyInRange('0', '9') < 0)
        {
            return null;
        }
        if (run[0] != '/')
        {
            return "[token]";
        }
        var sb = new StringBuilder(run.Length);
        var changed = false;
        foreach (var range in run.Split('/'))
        {
            var segment = run[range];
            if (range.Start.Value > 0)
            {
                sb.Append('/');
            }
            if (segment.Length >= 16 && segment.IndexOfAnyInRange('0', '9') >= 0)
            {
                sb.Append("[token]");
                changed = true;
            }
            else
            {
                sb.Append(segment);
            }
        }
        return changed ? sb.ToString() : null;
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '_';

    // ---- chat mentions: @(here|channel|everyone)\b → "$1" ----

    private static readonly string[] Mentions = ["here", "channel", "everyone"];

    private static bool Mention(string s, int i, out int end, out string replacement)
    {
        end = i;
        replacement = "";
        if (s[i] != '@' || KeywordAt(s, i + 1, Mentions) is not { } word || !WordEnd(s, i + 1 + word.Length))
        {
            return false;
        }
        end = i + 1 + word.Length;
        replacement = s.Substring(i + 1, word.Length);
        return true;
    }

    // ---- helpers: ASCII case-insensitive keywords, and regex-style word boundaries ----

    private static string? KeywordAt(string s, int i, string[] keywords)
    {
        if (i >= s.Length)
        {
            return null;
        }
        var first = (char)(s[i] | 0x20); // keywords are ASCII letters: a cheap first test before the comparison
        foreach (var k in keywords)
        {
            if (k[0] == first && i + k.Length <= s.Length && s.AsSpan(i, k.Length).Equals(k, StringComparison.OrdinalIgnoreCase))
            {
                return k;
            }
        }
        return null;
    }

    private static int SkipSpaces(string s, int p)
    {
        while (p < s.Length && char.IsWhiteSpace(s[p]))
        {
            p++;
        }
        return p;
    }

    /// <summary>A boundary before a word character at <paramref name="i"/> (<c>\b</c> where the next character is a word character).</summary>
    private static bool WordStart(string s, int i) => IsWordChar(s[i]) && (i == 0 || !IsWordChar(s[i - 1]));

    /// <summary>A boundary after a word character that ends at <paramref name="end"/>.</summary>
    private static bool WordEnd(string s, int end) => end >= s.Length || !IsWordChar(s[end]);

    /// <summary>.NET's <c>\w</c> (letters, decimal digits, non-spacing marks, connector punctuation) plus the joiners <c>\b</c> counts.</summary>
    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || (c > 127 && (char.IsLetterOrDigit(c) || c is '\u200C' or '\u200D'
        || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.ConnectorPunctuation));
}
