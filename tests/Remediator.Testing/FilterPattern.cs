using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Remediator.Testing;

/// <summary>A filter pattern this evaluator does not understand, or that AWS documents as unsupported.</summary>
public sealed class FilterPatternException(string message) : Exception(message);

/// <summary>
/// A CloudWatch Logs filter pattern, evaluated as CloudWatch Logs documents it, so that tests deliver to the handler
/// only the events a subscription filter would pass. Each event is matched on its own, case-sensitively.
/// Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (terms, JSON,
/// space-delimited), https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html,
/// and CDK's rendering of the same syntax, https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_logs.FilterPattern.html.
/// <para>
/// Where the documentation is vague the evaluator takes the narrow reading, so that a test passing here does not
/// depend on a guess about CloudWatch: a JSON numeric comparison (and <c>= 5</c> with an unquoted number) matches only
/// JSON numbers; a string value (quoted, or unquoted and not a number) matches only JSON strings; a comparison on a
/// missing field is false, <c>!=</c> included; a JSON pattern matches only an event that is one JSON object on one
/// line (the documentation asks for one line when testing a JSON pattern). Whatever it does not understand throws
/// <see cref="FilterPatternException"/>: regular expressions (<c>%...%</c>), backslash escapes, an unquoted number
/// with a wildcard in a JSON pattern (the documentation gives '*' both to numbers and to text), an unquoted term with
/// punctuation (the documentation says to quote those), <c>IS NOT</c> and <c>EXISTS</c> (documented as unsupported).
/// A pattern never silently matches what it did not parse.
/// </para>
/// </summary>
public abstract class FilterPattern
{
    public string Text { get; }

    private protected FilterPattern(string text) => Text = text;

    public abstract bool Matches(string message);

    public override string ToString() => Text;

    public static FilterPattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var body = pattern.Trim();
        if (body.Length == 0)
        {
            return new TermsPattern(pattern, []); // "an empty pattern matches every event"
        }
        if (body[0] == '{')
        {
            return body[^1] == '}' ? new JsonPattern(pattern, body[1..^1]) : throw new FilterPatternException($"a JSON pattern must end with '}}': {pattern}");
        }
        if (body[0] == '[')
        {
            return body[^1] == ']' ? new SpaceDelimitedPattern(pattern, body[1..^1]) : throw new FilterPatternException($"a space-delimited pattern must end with ']': {pattern}");
        }
        return TermsPattern.ParseTerms(pattern, body);
    }

    /// <summary>'*' matches any run of characters (ordinal, case-sensitive); everything else is literal.</summary>
    internal static bool Glob(string value, string glob)
    {
        var parts = glob.Split('*');
        if (parts.Length == 1)
        {
            return string.Equals(value, glob, StringComparison.Ordinal);
        }
        if (!value.StartsWith(parts[0], StringComparison.Ordinal))
        {
            return false;
        }
        var at = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = value.IndexOf(parts[i], at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }
            at = found + parts[i].Length;
        }
        return value.Length - at >= parts[^1].Length && value.EndsWith(parts[^1], StringComparison.Ordinal);
    }

    internal static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value);

    internal static string ReadQuoted(string text, ref int i, string pattern)
    {
        var close = text.IndexOf('"', i + 1);
        if (close < 0)
        {
            throw new FilterPatternException($"an unterminated quoted string: {pattern}");
        }
        var value = text[(i + 1)..close];
        if (value.Contains('\\'))
        {
            throw new FilterPatternException($"backslash escapes in quoted strings are not documented: {pattern}");
        }
        i = close + 1;
        return value;
    }
}

/// <summary>
/// Terms: space = AND, <c>?term</c> = OR, <c>-term</c> excludes; quoted and unquoted terms match as substrings.
/// "If you combine '?' with other filter patterns, all question mark terms will be ignored" (documented), so they are.
/// </summary>
internal sealed class TermsPattern : FilterPattern
{
    private readonly List<string> _required = [], _excluded = [], _optional = [];

    internal TermsPattern(string text, IEnumerable<(char Prefix, string Term)> terms) : base(text)
    {
        foreach (var (prefix, term) in terms)
        {
            (prefix switch { '?' => _optional, '-' => _excluded, _ => _required }).Add(term);
        }
    }

    internal static TermsPattern ParseTerms(string pattern, string body)
    {
        var terms = new List<(char, string)>();
        var i = 0;
        while (i < body.Length)
        {
            if (char.IsWhiteSpace(body[i]))
            {
                i++;
                continue;
            }
            var prefix = body[i] is '?' or '-' ? body[i++] : ' ';
            if (i >= body.Length)
            {
                throw new FilterPatternException($"'{prefix}' without a term: {pattern}");
            }
            if (body[i] == '"')
            {
                terms.Add((prefix, ReadQuoted(body, ref i, pattern)));
                continue;
            }
            if (body[i] == '%')
            {
                throw new FilterPatternException($"regular expressions are not evaluated here: {pattern}");
            }
            var start = i;
            while (i < body.Length && !char.IsWhiteSpace(body[i]))
            {
                if (!char.IsAsciiLetterOrDigit(body[i]) && body[i] != '_')
                {
                    throw new FilterPatternException($"an unquoted term with '{body[i]}': quote terms that hold non-alphanumeric characters, as AWS documents: {pattern}");
                }
                i++;
            }
            terms.Add((prefix, body[start..i]));
        }
        return new TermsPattern(pattern, terms);
    }

    public override bool Matches(string message)
    {
        // A quoted blank (" ") is documented to match every event.
        static bool Has(string m, string term) => term.Trim().Length == 0 || m.Contains(term, StringComparison.Ordinal);
        if (_required.Count > 0 || _excluded.Count > 0)
        {
            return _required.All(t => Has(message, t)) && !_excluded.Any(t => t.Trim().Length > 0 && message.Contains(t, StringComparison.Ordinal));
        }
        return _optional.Count == 0 || _optional.Any(t => Has(message, t));
    }
}

/// <summary>
/// <c>{ $.a.b[0] = "x*" || ($.n &gt;= 500 &amp;&amp; $.m NOT EXISTS) }</c>: precedence () &gt; &amp;&amp; &gt; ||, as documented.
/// </summary>
internal sealed class JsonPattern : FilterPattern
{
    private abstract record Node;
    private sealed record Or(Node Left, Node Right) : Node;
    private sealed record And(Node Left, Node Right) : Node;
    private sealed record Compare(Selector Selector, string Op, string Value, bool Quoted) : Node;
    private sealed record Is(Selector Selector, string What) : Node;
    private sealed record NotExists(Selector Selector) : Node;

    /// <summary>A property selector: names, indexes, and at most one wildcard ("*" as a name or an index).</summary>
    private sealed record Selector(string Text, IReadOnlyList<string?> Steps); // null step = wildcard; "[n]" = index

    private readonly Node _root;
    private readonly List<string> _tokens = [];
    private int _at;

    internal JsonPattern(string text, string body) : base(text)
    {
        Tokenize(body);
        if (_tokens.Count == 0)
        {
            throw new FilterPatternException($"an empty JSON pattern: {text}");
        }
        _root = ParseOr();
        if (_at != _tokens.Count)
        {
            throw new FilterPatternException($"unexpected '{_tokens[_at]}' in JSON pattern: {text}");
        }
        if (_tokens.Count(t => t.StartsWith('$') && (t.Contains(".*", StringComparison.Ordinal) || t.Contains("[*]", StringComparison.Ordinal))) > 3)
        {
            throw new FilterPatternException($"more than three wildcard selectors in one pattern (a documented quota): {text}");
        }
    }

    private void Tokenize(string s)
    {
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')')
            {
                _tokens.Add(c.ToString());
                i++;
            }
            else if (s.AsSpan(i).StartsWith("&&") || s.AsSpan(i).StartsWith("||") || s.AsSpan(i).StartsWith("!=") || s.AsSpan(i).StartsWith("<=") || s.AsSpan(i).StartsWith(">="))
            {
                _tokens.Add(s.Substring(i, 2));
                i += 2;
            }
            else if (c is '=' or '<' or '>')
            {
                _tokens.Add(c.ToString());
                i++;
            }
            else if (c == '"')
            {
                _tokens.Add("\"" + ReadQuoted(s, ref i, Text)); // a leading quote marks a quoted value
            }
            else if (c == '%')
            {
                throw new FilterPatternException($"regular expressions are not evaluated here: {Text}");
            }
            else if (c == '$')
            {
                var start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not ('=' or '!' or '<' or '>' or '(' or ')' or '&' or '|'))
                {
                    if (s[i] == '[')
                    {
                        var close = s.IndexOf(']', i);
                        i = close < 0 ? throw new FilterPatternException($"an unterminated '[' in a selector: {Text}") : close;
                    }
                    i++;
                }
                _tokens.Add(s[start..i]);
            }
            else
            {
                var start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not ('=' or '!' or '<' or '>' or '(' or ')' or '&' or '|' or '"'))
                {
                    i++;
                }
                if (i == start)
                {
                    throw new FilterPatternException($"unexpected '{c}' in JSON pattern: {Text}");
                }
                _tokens.Add(s[start..i]);
            }
        }
    }

    private string? Peek => _at < _tokens.Count ? _tokens[_at] : null;

    private string Next() => _at < _tokens.Count ? _tokens[_at++] : throw new FilterPatternException($"the JSON pattern ends too early: {Text}");

    private Node ParseOr()
    {
        var left = ParseAnd();
        while (Peek == "||")
        {
            _at++;
            left = new Or(left, ParseAnd());
        }
        return left;
    }

    private Node ParseAnd()
    {
        var left = ParsePrimary();
        while (Peek == "&&")
        {
            _at++;
            left = new And(left, ParsePrimary());
        }
        return left;
    }

    private Node ParsePrimary()
    {
        var token = Next();
        if (token == "(")
        {
            var inner = ParseOr();
            return Next() == ")" ? inner : throw new FilterPatternException($"a missing ')': {Text}");
        }
        if (!token.StartsWith('$'))
        {
            throw new FilterPatternException($"expected a property selector ($.name), got '{token}': {Text}");
        }
        var selector = ParseSelector(token);
        var op = Next();
        switch (op)
        {
            case "IS":
                var what = Next();
                return what is "NULL" or "TRUE" or "FALSE" ? new Is(selector, what)
                    : throw new FilterPatternException($"'IS {what}' is not supported (IS NULL, IS TRUE, IS FALSE are; IS NOT is documented as unsupported): {Text}");
            case "NOT":
                return Next() == "EXISTS" ? new NotExists(selector) : throw new FilterPatternException($"expected NOT EXISTS: {Text}");
            case "EXISTS":
                throw new FilterPatternException($"EXISTS is documented as unsupported: {Text}");
            case "=" or "!=" or "<" or ">" or "<=" or ">=":
                var value = Next();
                var quoted = value.StartsWith('"');
                var raw = quoted ? value[1..] : value;
                if (!quoted)
                {
                    if (raw.Any(ch => !char.IsAsciiLetterOrDigit(ch) && ch is not ('_' or '-' or '+' or '.' or '*' or ':')))
                    {
                        throw new FilterPatternException($"an unquoted value with punctuation: '{raw}': {Text}");
                    }
                    if (raw.Contains('*') && raw.Replace("*", "", StringComparison.Ordinal).All(ch => char.IsAsciiDigit(ch) || ch is '+' or '-'))
                    {
                        throw new FilterPatternException($"'{raw}' is ambiguous: AWS gives '*' to numbers and to text; quote it for text, or compare numerically: {Text}");
                    }
                }
                var numeric = !quoted && !raw.Contains('*') && TryNumber(raw, out _);
                if (op is "<" or ">" or "<=" or ">=" && !numeric)
                {
                    throw new FilterPatternException($"'{op}' needs a number, got '{value.TrimStart('"')}': {Text}");
                }
                return new Compare(selector, op, raw, quoted);
            default:
                throw new FilterPatternException($"expected an operator after {token}, got '{op}': {Text}");
        }
    }

    private Selector ParseSelector(string text)
    {
        var steps = new List<string?>();
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == '.' && i + 1 < text.Length && text[i + 1] == '[')
            {
                i++; // $.['cluster.name']
                continue;
            }
            if (text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-' or '*'))
                {
                    i++;
                }
                var name = text[start..i];
                steps.Add(name == "*" ? null : name.Length > 0 && !name.Contains('*') ? name
                    : throw new FilterPatternException($"a bad property name in selector {text}: {Text}"));
                continue;
            }
            if (text[i] == '[')
            {
                var close = text.IndexOf(']', i);
                var inner = text[(i + 1)..close];
                i = close + 1;
                if (inner == "*")
                {
                    steps.Add(null);
                }
                else if (inner.Length >= 2 && inner[0] == '\'' && inner[^1] == '\'')
                {
                    steps.Add(inner[1..^1]);
                }
                else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    steps.Add($"[{index}]");
                }
                else
                {
                    throw new FilterPatternException($"a bad index [{inner}] in selector {text}: {Text}");
                }
                continue;
            }
            throw new FilterPatternException($"a bad selector {text}: {Text}");
        }
        if (steps.Count == 0)
        {
            throw new FilterPatternException($"a selector must name a property ($.name): {Text}");
        }
        if (steps.Count(s => s is null) > 1)
        {
            throw new FilterPatternException($"more than one wildcard in selector {text} (a documented quota): {Text}");
        }
        return new Selector(text, steps);
    }

    public override bool Matches(string message)
    {
        if (message.Contains('\n'))
        {
            return false; // see the class comment: one JSON object on one line
        }
        try
        {
            using var doc = JsonDocument.Parse(message);
            return doc.RootElement.ValueKind == JsonValueKind.Object && Evaluate(_root, doc.RootElement);
        }
        catch (JsonException)
        {
            return false; // JSON patterns match JSON events only
        }
    }

    private static bool Evaluate(Node node, JsonElement root) => node switch
    {
        Or o => Evaluate(o.Left, root) || Evaluate(o.Right, root),
        And a => Evaluate(a.Left, root) && Evaluate(a.Right, root),
        NotExists n => !Select(root, n.Selector.Steps, 0).Any(),
        Is i => Select(root, i.Selector.Steps, 0).Any(e => i.What switch
        {
            "NULL" => e.ValueKind == JsonValueKind.Null,
            "TRUE" => e.ValueKind == JsonValueKind.True,
            _ => e.ValueKind == JsonValueKind.False,
        }),
        Compare c => Select(root, c.Selector.Steps, 0).Any(e => Compares(e, c)),
        _ => throw new InvalidOperationException(),
    };

    private static bool Compares(JsonElement e, Compare c)
    {
        var numeric = !c.Quoted && !c.Value.Contains('*') && TryNumber(c.Value, out _);
        if (numeric)
        {
            if (e.ValueKind != JsonValueKind.Number)
            {
                return false;
            }
            TryNumber(c.Value, out var expected);
            var actual = e.GetDouble();
            return c.Op switch
            {
                "=" => actual == expected,
                "!=" => actual != expected,
                "<" => actual < expected,
                ">" => actual > expected,
                "<=" => actual <= expected,
                _ => actual >= expected,
            };
        }
        if (e.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        var matched = Glob(e.GetString()!, c.Value);
        return c.Op == "=" ? matched : !matched;
    }

    private static IEnumerable<JsonElement> Select(JsonElement current, IReadOnlyList<string?> steps, int at)
    {
        if (at == steps.Count)
        {
            // "If a property selector points to an array or object, the filter pattern won't match."
            if (current.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                yield return current;
            }
            yield break;
        }
        var step = steps[at];
        if (step is null)
        {
            var children = current.ValueKind switch
            {
                JsonValueKind.Object => current.EnumerateObject().Select(p => p.Value).ToList(),
                JsonValueKind.Array => current.EnumerateArray().ToList(),
                _ => [],
            };
            foreach (var child in children)
            {
                foreach (var e in Select(child, steps, at + 1))
                {
                    yield return e;
                }
            }
            yield break;
        }
        if (step.StartsWith('[') && step.EndsWith(']') && int.TryParse(step[1..^1], CultureInfo.InvariantCulture, out var index))
        {
            if (current.ValueKind == JsonValueKind.Array && index < current.GetArrayLength())
            {
                foreach (var e in Select(current[index], steps, at + 1))
                {
                    yield return e;
                }
            }
            yield break;
        }
        if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(step, out var property))
        {
            foreach (var e in Select(property, steps, at + 1))
            {
                yield return e;
            }
        }
    }
}

/// <summary>
/// <c>[ip, user, ..., status = 5*, bytes]</c>: the event split on spaces, "[...]" and "\"...\"" one field each.
/// <c>...</c> (once) stands for any number of fields. Without it, a pattern with fewer fields than the event gives the
/// last field the rest of the event, as the documented <c>[w1=ERROR, w2]</c> example needs; an event with fewer
/// fields than the pattern does not match. A field's condition is <c>name op value</c> clauses on that field joined
/// by &amp;&amp; and || (no parentheses, none documented). <c>=</c> and <c>!=</c> compare numbers when the value and the
/// field are both numbers, otherwise text with '*' wildcards; &lt; &gt; &lt;= &gt;= need a number on both sides.
/// </summary>
internal sealed class SpaceDelimitedPattern : FilterPattern
{
    private sealed record Clause(string Op, string Value);
    private sealed record Field(string Name, List<List<Clause>>? AnyOfAll); // null: no condition; OR of ANDs

    private readonly List<Field> _fields = [];
    private readonly int _ellipsis = -1;

    internal SpaceDelimitedPattern(string text, string body) : base(text)
    {
        foreach (var spec in SplitFields(body))
        {
            var s = spec.Trim();
            if (s == "...")
            {
                _ellipsis = _ellipsis < 0 ? _fields.Count : throw new FilterPatternException($"'...' may appear once: {text}");
                continue;
            }
            _fields.Add(ParseField(s));
        }
        if (_fields.Count == 0)
        {
            throw new FilterPatternException($"a space-delimited pattern with no named field: {text}");
        }
    }

    private IEnumerable<string> SplitFields(string body)
    {
        var start = 0;
        var inQuotes = false;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (body[i] == '%' && !inQuotes)
            {
                throw new FilterPatternException($"regular expressions are not evaluated here: {Text}");
            }
            else if (body[i] == ',' && !inQuotes)
            {
                yield return body[start..i];
                start = i + 1;
            }
        }
        if (inQuotes)
        {
            throw new FilterPatternException($"an unterminated quoted string: {Text}");
        }
        yield return body[start..];
    }

    private Field ParseField(string spec)
    {
        if (spec.Contains('(') || spec.Contains(')'))
        {
            throw new FilterPatternException($"parentheses in a space-delimited field are not documented: {Text}");
        }
        var name = new string(spec.TakeWhile(c => char.IsAsciiLetterOrDigit(c) || c == '_').ToArray());
        if (name.Length == 0)
        {
            throw new FilterPatternException($"a field needs a name: '{spec}' in {Text}");
        }
        if (spec.Trim() == name)
        {
            return new Field(name, null);
        }
        var anyOf = new List<List<Clause>>();
        foreach (var alternative in spec.Split("||"))
        {
            var all = new List<Clause>();
            foreach (var clause in alternative.Split("&&"))
            {
                var c = clause.Trim();
                if (!c.StartsWith(name, StringComparison.Ordinal))
                {
                    throw new FilterPatternException($"a condition on another field inside '{name}': '{c}' in {Text}");
                }
                var rest = c[name.Length..].TrimStart();
                var op = rest.StartsWith("!=") || rest.StartsWith("<=") || rest.StartsWith(">=") ? rest[..2]
                    : rest.Length > 0 && rest[0] is '=' or '<' or '>' ? rest[..1]
                    : throw new FilterPatternException($"expected an operator in '{c}': {Text}");
                var value = rest[op.Length..].Trim();
                if (value.StartsWith('"'))
                {
                    var i = 0;
                    var quoted = ReadQuoted(value, ref i, Text);
                    value = i == value.Length ? quoted : throw new FilterPatternException($"text after a quoted value in '{c}': {Text}");
                }
                else if (value.Length == 0 || value.Any(char.IsWhiteSpace) || value.Contains('"'))
                {
                    throw new FilterPatternException($"a bad value in '{c}': {Text}");
                }
                if (op is "<" or ">" or "<=" or ">=" && !TryNumber(value, out _))
                {
                    throw new FilterPatternException($"'{op}' needs a number in '{c}': {Text}");
                }
                all.Add(new Clause(op, value));
            }
            anyOf.Add(all);
        }
        return new Field(name, anyOf);
    }

    public override bool Matches(string message)
    {
        var tokens = Tokens(message);
        var values = new string[_fields.Count];
        if (_ellipsis < 0)
        {
            if (tokens.Count < _fields.Count)
            {
                return false;
            }
            for (var i = 0; i < _fields.Count; i++)
            {
                values[i] = tokens[i].Value;
            }
            if (tokens.Count > _fields.Count)
            {
                values[^1] = message[tokens[_fields.Count - 1].Start..].TrimEnd();
            }
        }
        else
        {
            var suffix = _fields.Count - _ellipsis;
            if (tokens.Count < _fields.Count)
            {
                return false;
            }
            for (var i = 0; i < _ellipsis; i++)
            {
                values[i] = tokens[i].Value;
            }
            for (var i = 0; i < suffix; i++)
            {
                values[_ellipsis + i] = tokens[tokens.Count - suffix + i].Value;
            }
        }
        for (var i = 0; i < _fields.Count; i++)
        {
            if (_fields[i].AnyOfAll is { } anyOf && !anyOf.Any(all => all.All(c => Holds(values[i], c))))
            {
                return false;
            }
        }
        return true;
    }

    private static bool Holds(string field, Clause c)
    {
        var bothNumbers = TryNumber(field, out var actual) & TryNumber(c.Value, out var expected) && !c.Value.Contains('*');
        return c.Op switch
        {
            "=" => bothNumbers ? actual == expected : Glob(field, c.Value),
            "!=" => bothNumbers ? actual != expected : !Glob(field, c.Value),
            "<" => bothNumbers && actual < expected,
            ">" => bothNumbers && actual > expected,
            "<=" => bothNumbers && actual <= expected,
            _ => bothNumbers && actual >= expected,
        };
    }

    /// <summary>Fields split on whitespace; a field opening with '"' or '[' runs to the closing one (or the end).</summary>
    private static List<(int Start, string Value)> Tokens(string message)
    {
        var tokens = new List<(int, string)>();
        var i = 0;
        while (i < message.Length)
        {
            if (char.IsWhiteSpace(message[i]))
            {
                i++;
                continue;
            }
            var start = i;
            if (message[i] is '"' or '[')
            {
                var close = message.IndexOf(message[i] == '"' ? '"' : ']', i + 1);
                var end = close < 0 ? message.Length : close;
                tokens.Add((start, message[(i + 1)..end]));
                i = end + 1;
                continue;
            }
            while (i < message.Length && !char.IsWhiteSpace(message[i]))
            {
                i++;
            }
            tokens.Add((start, message[start..i]));
        }
        return tokens;
    }
}
