using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// The filter-pattern evaluator on AWS's own examples (patterns, events and the documented verdicts) from
/// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html and
/// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html, plus the narrow
/// readings it takes where they are vague, and the syntax it refuses.
/// </summary>
public class FilterPatternTests
{
    // The unstructured examples' events.
    private const string E400 = "[ERROR 400] BAD REQUEST", E401 = "[ERROR 401] UNAUTHORIZED REQUEST", E419 = "[ERROR 419] MISSING ARGUMENTS",
        E420 = "[ERROR 420] INVALID ARGUMENTS", E500 = "[ERROR 500] INTERNAL SERVER ERROR", Info = "[INFO] REQUEST FAILED",
        Warn = "[WARN] UNAUTHORIZED REQUEST", Bare = "[ERROR] 400 BAD REQUEST";

    private static readonly string[] Unstructured = [E400, E401, E419, E420, E500, Info, Warn, Bare];

    public static TheoryData<string, string[]> UnstructuredCases => new()
    {
        { "ERROR", [E400, E401, E419, E420, E500, Bare] },
        { "ERROR ARGUMENTS", [E419, E420] },
        { "?ERROR ?ARGUMENTS", [E400, E401, E419, E420, E500, Bare] },
        { "\"INTERNAL SERVER ERROR\"", [E500] },
        { "ERROR -ARGUMENTS", [E400, E401, E500, Bare] },
        { "\" \"", Unstructured }, // "match everything"
        { "", Unstructured },
        // Documented: '?' terms combined with other terms are ignored.
        { "?ERROR ?ARGUMENTS REQUEST", [E400, E401, Info, Warn, Bare] },
        { "-ERROR", [Info, Warn] },
        // Case-sensitive, and a quoted term is a substring even inside a longer token.
        { "error", [] },
        { "\"NAUTHORIZED\"", [E401, Warn] },
    };

    [Theory]
    [MemberData(nameof(UnstructuredCases))]
    public void Matches_UnstructuredDocsExamples_SelectsTheDocumentedEvents(string pattern, string[] expected)
    {
        var filter = FilterPattern.Parse(pattern);

        Unstructured.Where(filter.Matches).ShouldBe(expected, ignoreOrder: false);
    }

    // The JSON examples' events, on one line as the documentation asks for testing.
    private const string Trail = """{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "arrayKey": ["value", "another value"], "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], "SomeObject": null, "cluster.name": "c"}""";
    private const string Users = """{"user": {"id": 1, "email": "John.Stiles@example.com"}, "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}], "actions": ["GET", "PUT", "DELETE"], "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}""";

    public static TheoryData<string, string, bool> JsonCases => new()
    {
        { "{ $.eventType = \"UpdateTrail\" }", Trail, true },
        { "{ $.sourceIPAddress != 123.123.* }", Trail, true },
        { "{ $.sourceIPAddress != 111.111.* }", Trail, false },
        { "{ $.arrayKey[0] = \"value\" }", Trail, true },
        { "{ $.arrayKey[1] = \"value\" }", Trail, false },
        { "{ $.arrayKey[*] = \"another*\" }", Trail, true },
        { "{ $.objectList[1].id = 2 }", Trail, true },
        { "{ $.['cluster.name'] = \"c\" }", Trail, true },
        { "{ $.SomeObject IS NULL }", Trail, true },
        { "{ $.eventType IS NULL }", Trail, false },
        { "{ $.SomeOtherObject NOT EXISTS }", Trail, true },
        { "{ $.eventType NOT EXISTS }", Trail, false },
        { "{ $.objectList = \"a\" }", Trail, false }, // "If a property selector points to an array or object, the filter pattern won't match"
        { "{ ($.user.id = 1) && ($.users[0].email = \"John.Doe@example.com\") }", Users, true },
        { "{ $.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = \"nonmatch\" && $.actions[2] = \"nonmatch\" }", Users, true },
        { "{ ($.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = \"nonmatch\") && $.actions[2] = \"nonmatch\" }", Users, false },
        { "{ ($.user.id = 2 && $.users[0].email = \"nonmatch\") || $.actions[2] = \"GET\" }", Users, false },
        { "{ $.coordinates[2][0] >= 7 }", Users, true },
        { "{ $.user.id != 1 }", Users, false },
        // The documented numeric operators and notations.
        { "{ $.bandwidth > 75 }", """{"bandwidth": 76}""", true },
        { "{ $.latency < 50 }", """{"latency": 50}""", false },
        { "{ $.refreshRate >= 60 }", """{"refreshRate": 60}""", true },
        { "{ $.responseTime <= 5 }", """{"responseTime": 4.5}""", true },
        { "{ $.errorCode = 400}", """{"errorCode": 400}""", true },
        { "{ $.errorCode != 500 }", """{"errorCode": 400}""", true },
        { "{ $.number[0] = 1e+3 }", """{"number": [1000]}""", true },
        { "{ $.number[0] != 1e-3 }", """{"number": [0.001]}""", false },
        // Narrow readings (see FilterPattern): numbers match numbers only, strings strings only, a missing field nothing,
        // a JSON pattern only a JSON object on one line.
        { "{ $.status >= 500 }", """{"status": "502"}""", false },
        { "{ $.status = \"5*\" }", """{"status": 502}""", false },
        { "{ $.status = 502 }", """{"status": "502"}""", false },
        { "{ $.missing != \"x\" }", """{"status": 502}""", false },
        { "{ $.status = \"5*\" }", "{\n\"status\": \"502\"\n}", false },
        { "{ $.status = \"5*\" }", "status 502", false },
        { "{ $.eventType = \"Update*\" }", Trail, true },
        { "{ $.eventType = \"*Trail\" }", Trail, true },
        { "{ $.eventType = \"updatetrail\" }", Trail, false },
    };

    [Theory]
    [MemberData(nameof(JsonCases))]
    public void Matches_JsonDocsExamples_DocumentedVerdict(string pattern, string message, bool expected)
    {
        FilterPattern.Parse(pattern).Matches(message).ShouldBe(expected);
    }

    private const string Apache = "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534";
    private const string Get = "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200", Post = "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310",
        Warning = "WARNING 09/25/2014 12:00:02 Invalid user request", Failed = "ERROR 09/25/2014 12:00:02 Failed to process request";

    public static TheoryData<string, string, bool> SpaceDelimitedCases => new()
    {
        { "[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]", Apache, true },
        { "[..., request =*.html*, status_code = 4*, bytes]", Apache, true },
        { "[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]", Apache, true },
        { "[ip, user, username, timestamp, request =*.html*, status_code = 5*, bytes]", Apache, false },
        { "[ip, user, username, timestamp, request =*.php*, status_code = 4*, bytes]", Apache, false },
        { "[ip, user, username, timestamp, request, status_code >= 400 && status_code < 500, bytes]", Apache, true },
        { "[w1=ERROR, w2]", Failed, true },
        { "[w1=ERROR, w2]", Warning, false },
        { "[w1=ERROR || w1=WARNING, w2]", Warning, true },
        { "[w1=ERROR || w1=WARNING, w2]", Get, false },
        { "[w1!=ERROR && w1!=WARNING, w2]", Post, true },
        { "[w1!=ERROR && w1!=WARNING, w2]", Failed, false },
        // Fewer fields in the event than in the pattern: no match.
        { "[a, b, c, d, e, f, g, h, i]", Apache, false },
    };

    [Theory]
    [MemberData(nameof(SpaceDelimitedCases))]
    public void Matches_SpaceDelimitedDocsExamples_DocumentedVerdict(string pattern, string message, bool expected)
    {
        FilterPattern.Parse(pattern).Matches(message).ShouldBe(expected);
    }

    public static TheoryData<string> Refused =>
    [
        "%AUTHORIZED%",                                       // regular expressions: not evaluated here
        "{ $.eventType = %Trail% }",
        "[ip=%127\\.0\\.0\\.[1-9]%, user, username, timestamp, request, status_code, bytes]",
        "{ $.SomeObject IS NOT NULL }",                       // documented as unsupported
        "{ $.SomeObject EXISTS }",
        "{ $.status = 5* }",                                  // ambiguous: '*' is given to numbers and to text
        "{ $.a.* = \"x\" && $.b.* = \"x\" && $.c.* = \"x\" && $.d.* = \"x\" }", // more than three wildcard selectors
        "{ $.*.a[*] = \"x\" }",                               // two wildcards in one selector
        "{ $.status > \"500\" }",                             // a numeric operator on a string
        "{ $.status = \"5*\" ",                               // unterminated
        "{ status = 500 }",                                   // not a selector
        "{ $.a = \"x\" & $.b = \"y\" }",
        "\"unterminated",
        "\"a \\\" b\"",                                       // escapes are not documented
        "Rate Exceeded.",                                     // punctuation in an unquoted term: AWS says to quote it
        "[a, ..., b, ..., c]",                                // '...' once
        "[a, (b = 1 || b = 2)]",
        "[a, b = 1 || c = 2]",                                // a condition on another field
    ];

    [Theory]
    [MemberData(nameof(Refused))]
    public void Parse_SyntaxItDoesNotUnderstand_Throws(string pattern)
    {
        Should.Throw<FilterPatternException>(() => FilterPattern.Parse(pattern));
    }
}
