using System.Text;
using Remediator.Core.Ingest;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>The security review as tests: customer data never leaves, chat text stays inert, forged lines grant nothing.</summary>
public sealed class SecurityTests : IDisposable
{
    private readonly RepairHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static readonly string[] Secrets =
    [
        "jane.doe@example.com", "4111111111111111", "4111 1111 1111 1111", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
        "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEYSECRET", "hunter2hunter2", "Bearer abcdefghijklmnopqrstuvwxyz0123",
    ];

    [Fact]
    public async Task Handle_BodiesAndErrorsFullOfPersonalData_NoneInAnyMessageSubjectAttributeOrLogLine()
    {
        const string id = "(5e5e5e5e-1111-2222-3333-444444444444)";
        var lines = new[]
        {
            $"{id} HTTP Method: POST, Resource Path: /users/jane.doe@example.com",
            $"{id} Method request headers: {{Authorization=Bearer abcdefghijklmnopqrstuvwxyz0123, x-api-key=hunter2hunter2, Cookie=session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ}}",
            $"{id} Method request body before transformations: {{\"email\":\"jane.doe@example.com\",\"card\":\"4111111111111111\",\"password\":\"hunter2hunter2\"}}",
            $"{id} Endpoint response body before transformations: {{\"statusCode\":200,\"body\":{{\"card\":\"4111 1111 1111 1111\",\"key\":\"AKIAIOSFODNN7EXAMPLE\",\"secret\":\"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEYSECRET\"}}}}",
            $"{id} Execution failed due to configuration error: Malformed Lambda proxy response",
            $"{id} Method completed with status: 502",
            "(6e6e6e6e-1111-2222-3333-444444444444) Lambda execution failed with status 200 due to customer function error: user jane.doe@example.com card 4111111111111111 key AKIAIOSFODNN7EXAMPLE password=hunter2hunter2 failed. Lambda request id: 0e0e0e0e-1111-2222-3333-444444444444",
            "(6e6e6e6e-1111-2222-3333-444444444444) Method completed with status: 502",
        };
        var delivery = SubscriptionPayload.Encode(TestEnvironment.Group, lines.Select((l, i) => (1_714_568_720_000L + i, l)));

        await using var _ = await _h.Handler("off").Handle(new MemoryStream(delivery));

        var publishes = _h.Sns.Publishes.ToList();
        publishes.Count.ShouldBe(1); // one digest of the API and stage
        _h.MachineFindings().Count.ShouldBe(2);
        var outputs = publishes.SelectMany(p => p.FormPairs.Select(kv => kv.Value)).Append(_h.Log.ToString()).ToList();
        foreach (var text in outputs)
        {
            var decoded = System.Text.RegularExpressions.Regex.Unescape(text); // JSON inside JSON: look through the escapes
            foreach (var secret in Secrets)
            {
                decoded.ShouldNotContain(secret, Case.Sensitive, $"leaked: {secret}");
            }
        }
        string.Concat(outputs).ShouldContain("`body` is an object with keys card, key, secret".Replace("`", "'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:*")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books-api:*")]
    [InlineData("arn:aws:lambda:*:123456789012:function:books-api")]
    public async Task Repair_ForgedLineWithAWildcardArn_GrantsNothing(string forged)
    {
        _h.BooksApiOnLive();
        var lines = File.ReadAllLines(TestEnvironment.Fixture("causes/missing_invoke_permission__execution.log"))
            .Select(l => l.Replace("arn:aws:lambda:us-east-1:123456789012:function:books-api:live", forged, StringComparison.Ordinal));
        var delivery = SubscriptionPayload.Encode(TestEnvironment.Group, lines.Select((l, i) => (1_714_568_720_000L + i, l)));

        var machine = await _h.Deliver(_h.Handler("auto"), delivery);

        // The wildcard never parses as a function; the repair then goes by API Gateway's own integration, or nowhere,
        // and the finding names the function API Gateway invokes, never the forged one.
        var function = machine.GetProperty("finding").GetProperty("functionArn");
        if (function.ValueKind != System.Text.Json.JsonValueKind.Null)
        {
            function.GetString().ShouldBe(RepairHarness.BooksApi);
        }
        _h.Lambda.Policy("arn:aws:lambda:us-east-1:123456789012:function:orders-api").ShouldBeNull();
        var policy = _h.Lambda.Policy(RepairHarness.BooksApi, "live");
        if (policy is not null)
        {
            policy.ShouldNotContain("function:*");
            policy.ShouldContain("\"Resource\":\"arn:aws:lambda:us-east-1:123456789012:function:books-api:live\"");
        }
    }

    [Fact]
    public async Task Repair_ForgedLineNamingAFunctionInAnotherAccount_GrantsNothing()
    {
        _h.BooksApiOnLive();
        _h.Lambda.Function("arn:aws:lambda:us-east-1:999999999999:function:books-api", ["live"]);
        var lines = File.ReadAllLines(TestEnvironment.Fixture("causes/missing_invoke_permission__execution.log"))
            .Select(l => l.Replace("123456789012:function:books-api", "999999999999:function:books-api", StringComparison.Ordinal));

        var machine = await _h.Deliver(_h.Handler("auto", ("REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS", "arn:aws:lambda:us-east-1:999999999999:function:*")),
            SubscriptionPayload.Encode(TestEnvironment.Group, lines.Select((l, i) => (1_714_568_720_000L + i, l))));

        RepairHarness.Repair(machine, "refusal").ShouldBe("not_an_integration");
        _h.Lambda.Writes.ShouldBe(0);
    }

    [Fact]
    public async Task Messages_ChatControlTextInRoutesAndErrors_InertInEveryBody()
    {
        var lines = new[]
        {
            "(7e7e7e7e-1111-2222-3333-444444444444) HTTP Method: GET, Resource Path: /<!channel>/@here/`x`",
            "(7e7e7e7e-1111-2222-3333-444444444444) Lambda execution failed with status 200 due to customer function error: <!everyone> <https://evil.example|login here> ```drop table``` \u0007\u001b[31m. Lambda request id: 0e0e0e0e-1111-2222-3333-444444444444",
            "(7e7e7e7e-1111-2222-3333-444444444444) Method completed with status: 502",
        };

        await using var _ = await _h.Handler("off").Handle(new MemoryStream(SubscriptionPayload.Encode(TestEnvironment.Group, lines.Select((l, i) => (1_714_568_720_000L + i, l)))));

        var publish = _h.Sns.Publishes.ShouldHaveSingleItem();
        foreach (var (key, value) in publish.FormPairs)
        {
            var decoded = System.Text.RegularExpressions.Regex.Unescape(value);
            decoded.ShouldNotContain("<!channel>");
            decoded.ShouldNotContain("<!everyone>");
            decoded.ShouldNotContain("@here");
            decoded.ShouldNotContain("<https://evil.example");
            decoded.ShouldNotContain("```drop");
            decoded.ShouldNotContain("\u0007");
            decoded.ShouldNotContain("\u001b");
        }
        publish.Form["Subject"].ShouldAllBe(c => c >= ' ' && c <= '~');
    }
}
