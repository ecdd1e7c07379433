using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Notify;
using Remediator.Core.Repair;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>Red-team cases for the published bodies: customer data in a repair's texts, and links from log-derived text.</summary>
public class RedTeamMessageTests
{
    private static readonly AlertContext Context = new("123456789012", "us-east-1", 0, null);

    private static Finding Permission() => Fixtures.Diagnose("causes/missing_invoke_permission__execution.log").Findings.ShouldHaveSingleItem();

    private static IEnumerable<string> Bodies(OutgoingMessage m)
    {
        yield return m.Subject;
        yield return m.Email;
        yield return m.Machine;
        yield return m.Structured;
        using var chat = JsonDocument.Parse(m.Chatbot);
        // The chat body as the channel shows it: JSON string values, unescaped.
        var content = chat.RootElement.GetProperty("content");
        yield return content.GetProperty("title").GetString()!;
        yield return content.GetProperty("description").GetString()!;
        foreach (var step in content.GetProperty("nextSteps").EnumerateArray())
        {
            yield return step.GetString()!;
        }
    }

    [Fact]
    public void Build_RepairDetailAndChecksQuoteCustomerData_Scrubbed()
    {
        var finding = Permission();
        const string path = "GET /users/jane.doe@example.com/keys/AKIAIOSFODNN7EXAMPLE";
        var plan = new PermissionPlan(FunctionRef.TryParse("arn:aws:lambda:us-east-1:123456789012:function:orders-api")!, "a1b2c3d4e5", "us-east-1", "123456789012");
        var repair = new RepairReport(finding, RepairResult.Planned, plan, null, $"the log names {path}; token=s3cr3tvalue",
            [$"API Gateway invokes orders-api for {path} of a1b2c3d4e5/prod", "card 4111 1111 1111 1111 in the route"]);

        var message = FindingMessages.Build(finding, Context, repair);

        foreach (var body in Bodies(message))
        {
            body.ShouldNotContain("jane.doe@example.com");
            body.ShouldNotContain("AKIAIOSFODNN7EXAMPLE");
            body.ShouldNotContain("s3cr3tvalue");
            body.ShouldNotContain("4111 1111 1111 1111");
        }
        message.Email.ShouldContain("API Gateway invokes orders-api for GET /users/[email]/keys/[aws-key] of a1b2c3d4e5/prod");
        message.Email.ShouldContain("remediator-a1b2c3d4e5"); // our own statement id survives the scrub
    }

    [Fact]
    public void Build_RepairDetailNamesOurOption_KeptVerbatim()
    {
        var finding = Permission();
        var repair = new RepairReport(finding, RepairResult.Refused, null, RefusalReason.NotAllowListed,
            "no function may be repaired until REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS names it (ARN patterns with * and ?)", []);

        var message = FindingMessages.Build(finding, Context, repair);

        message.Email.ShouldContain("until REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS names it");
        message.Machine.ShouldContain("until REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS names it");
    }

    [Theory]
    [InlineData("/[Reset password](https://evil.example)")]
    [InlineData("/login https://evil.example/login")]
    [InlineData("/go/http://evil.example")]
    public void Build_RouteOrErrorCarriesALink_LinkInertInEveryBody(string route)
    {
        var finding = Permission();
        finding = finding with
        {
            Key = finding.Key with { ResourcePath = route, RouteKey = null },
            ErrorMessage = $"see {route.TrimStart('/')} for help",
            Note = $"[click here](https://evil.example/phish) {route}",
        };

        var message = FindingMessages.Build(finding, Context);

        foreach (var body in Bodies(message))
        {
            body.ShouldNotContain("](");
            body.ShouldNotContain("://evil");
            body.ShouldNotContain("evil.example");
        }
        message.Email.ShouldContain("evil[.]example");
    }
}
