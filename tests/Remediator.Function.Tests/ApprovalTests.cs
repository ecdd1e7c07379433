using System.Buffers.Text;
using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;
using Remediator.Function.Approval;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// repairMode=approve end to end, from what the deployed function receives: the filtered delivery plans exactly as
/// dry-run and its message carries a signed link; the page behind the function URL shows the plan on GET and, on
/// POST, re-checks everything against API Gateway and Lambda and applies only the revision the person saw.
/// </summary>
public sealed class ApprovalTests : IDisposable
{
    private const string Books = RepairHarness.BooksApi;
    private readonly ApprovalHarness _h = new();

    public ApprovalTests() => _h.Repair.BooksApiOnLive();

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task Delivery_Approve_PlansLikeDryRunAndMessageCarriesLinkAndRevision()
    {
        var handler = _h.Handler();

        var machine = await _h.Repair.Deliver(handler, RepairHarness.DeployedPermissionDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repair_planned");
        RepairHarness.Repair(machine, "policyRevisionId").ShouldBe(_h.Lambda.Revision(Books, "live") ?? "");
        var link = RepairHarness.Repair(machine, "approveUrl").ShouldNotBeNull();
        link.ShouldStartWith(ApprovalHarness.PageUrl + "?t=");
        _h.Lambda.Writes.ShouldBe(0);
        _h.Kms.Operations.ShouldAllBe(o => o == "GenerateMac");
        _h.Kms.Requests.ShouldAllBe(r => r.Signature.Valid);
        using var message = JsonDocument.Parse(_h.Sns.Publishes.Last().Form["Message"]);
        message.RootElement.GetProperty("email").GetString()!.ShouldContain("Approve:    " + link);
        message.RootElement.GetProperty("email").GetString()!.ShouldContain("awaiting approval: would add statement remediator-a1b2c3d4e5");
        JsonDocument.Parse(message.RootElement.GetProperty("https").GetString()!).RootElement.GetRawText().ShouldContain(link);
        ApprovalToken.Parse(Base64Url.DecodeFromChars(ApprovalHarness.TokenOf(link).Split('.')[0]), out _)!.PolicyRevisionId
            .ShouldBe(RepairHarness.Repair(machine, "policyRevisionId"));
    }

    [Fact(Timeout = 120_000)]
    public async Task Get_ValidLink_ShowsPlanAndChangesNothing()
    {
        var handler = _h.Handler();
        var link = await _h.PlanAsync(handler);

        var (status, headers, html) = await ApprovalHarness.Request(handler, "GET", ApprovalHarness.TokenOf(link));

        status.ShouldBe(200);
        html.ShouldContain("remediator-a1b2c3d4e5");
        html.ShouldContain(WebEncoded($"aws lambda remove-permission --region us-east-1 --function-name {Books} --qualifier live --statement-id remediator-a1b2c3d4e5"));
        html.ShouldContain("<form method=\"post\">");
        html.ShouldContain("GET /books/{id}");
        headers["Content-Security-Policy"].ShouldStartWith("default-src 'none'; style-src 'sha256-");
        headers["Referrer-Policy"].ShouldBe("no-referrer");
        headers["Cache-Control"].ShouldBe("no-store");
        _h.Lambda.Writes.ShouldBe(0);
        _h.Lambda.Requests.ShouldNotContain(r => r.Method == "POST");
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_ValidLink_AddsOneStatementPublishesFollowUpAndLogsSourceIp()
    {
        var handler = _h.Handler();
        var link = await _h.PlanAsync(handler);
        var published = _h.Sns.Publishes.Count();

        var (status, _, html) = await ApprovalHarness.Request(handler, "POST", ApprovalHarness.TokenOf(link), "198.51.100.7");

        status.ShouldBe(200, html);
        html.ShouldContain("id=\"result\"");
        html.ShouldContain(WebEncoded("aws lambda remove-permission"));
        _h.Lambda.Writes.ShouldBe(1);
        _h.RemediatorStatements(Books, "live").ShouldBe(1);
        _h.Sns.Publishes.Count().ShouldBe(published + 1);
        var followUp = _h.Repair.LastMachineMessage();
        RepairHarness.Repair(followUp, "cause").ShouldBe("permission_repaired");
        _h.Sns.Publishes.Last().Form["Subject"].ShouldContain("permission_repaired a1b2c3d4e5/prod GET /books/{id}");
        var applied = Lines(_h.Log).Single(l => l.GetProperty("message").GetString() == "approval applied");
        applied.GetProperty("sourceIp").GetString().ShouldBe("198.51.100.7");
        applied.GetProperty("undo").GetString()!.ShouldStartWith("aws lambda remove-permission");
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_Replayed_AlreadyAppliedAndNothingWrittenAgain()
    {
        var handler = _h.Handler();
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));
        (await ApprovalHarness.Request(handler, "POST", token)).Status.ShouldBe(200);

        var again = await ApprovalHarness.Request(handler, "POST", token);
        var get = await ApprovalHarness.Request(handler, "GET", token);

        again.Status.ShouldBe(200);
        again.Html.ShouldContain("Already applied");
        get.Html.ShouldContain("Already applied");
        _h.Lambda.Writes.ShouldBe(1);
        _h.RemediatorStatements(Books, "live").ShouldBe(1);
    }

    [Fact(Timeout = 120_000)]
    public async Task GetAndPost_Expired_RefusedAndNothingWritten()
    {
        var handler = _h.Handler(("REMEDIATOR_APPROVAL_TTL_MINUTES", "30"));
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));
        _h.Time.Advance(TimeSpan.FromMinutes(30));

        var get = await ApprovalHarness.Request(handler, "GET", token);
        var post = await ApprovalHarness.Request(handler, "POST", token);

        get.Status.ShouldBe(410);
        post.Status.ShouldBe(410);
        post.Html.ShouldContain("This link has expired");
        _h.Lambda.Writes.ShouldBe(0);
    }

    public static TheoryData<string> Tampering => new() { "payload", "mac", "other-key", "cut", "garbage", "empty", "padding" };

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Tampering))]
    public async Task Post_TamperedLink_RefusedAndNothingWritten(string how)
    {
        var handler = _h.Handler();
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));
        var (payload, mac) = (token.Split('.')[0], token.Split('.')[1]);
        string? altered;
        switch (how)
        {
            case "payload":
                // The same plan for another API of the account: a valid token shape, not the signed one.
                var text = System.Text.Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payload)).Replace("a1b2c3d4e5", "h7t9p2q4r6", StringComparison.Ordinal);
                altered = Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(text)) + "." + mac;
                break;
            case "mac":
                altered = payload + "." + (mac[0] == 'A' ? 'B' : 'A') + mac[1..];
                break;
            case "other-key":
                _h.Kms.NewKeyMaterial();
                altered = token;
                break;
            case "cut":
                altered = token[..^5];
                break;
            case "garbage":
                altered = "<script>alert(1)</script>";
                break;
            case "padding":
                altered = payload + "==." + mac;
                break;
            default:
                altered = null;
                break;
        }

        var (status, _, html) = await ApprovalHarness.Request(handler, "POST", altered);

        status.ShouldBe(403);
        html.ShouldContain("This link is not valid");
        html.ShouldNotContain("<script>alert");
        _h.Lambda.Writes.ShouldBe(0);
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_RevisionMovedBetweenPlanAndApproval_PlansAgainWithNewLinkThenThatOneApplies()
    {
        var handler = _h.Handler();
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));
        // Someone changes the policy meanwhile (a grant for another service): a new revision, the statement still missing.
        _h.Lambda.AddStatement(Books, "live",
            """{"Sid":"s3-events","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:books-api:live"}""");

        var get = await ApprovalHarness.Request(handler, "GET", token);
        var moved = await ApprovalHarness.Request(handler, "POST", token);

        get.Html.ShouldContain("The policy changed since this plan was made");
        moved.Status.ShouldBe(409);
        moved.Html.ShouldContain("id=\"moved\"");
        _h.Lambda.Writes.ShouldBe(0);
        var newLink = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(moved.Html, "id=\"new-link\" href=\"([^\"]+)\"").Groups[1].Value);
        newLink.ShouldStartWith(ApprovalHarness.PageUrl);

        var applied = await ApprovalHarness.Request(handler, "POST", ApprovalHarness.TokenOf(newLink));

        applied.Status.ShouldBe(200, applied.Html);
        _h.Lambda.Writes.ShouldBe(1);
        _h.RemediatorStatements(Books, "live").ShouldBe(1);
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_RevisionMovesDuringTheWrite_NotWrittenOnTheNewRevision()
    {
        // A policy with a revision to bind to (a function with no policy has none: AddPermission then goes unconditional).
        _h.Lambda.AddStatement(Books, "live",
            """{"Sid":"sqs-events","Effect":"Allow","Principal":{"Service":"sqs.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:books-api:live"}""");
        var handler = _h.Handler();
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));
        _h.Lambda.BeforeAdd = () =>
        {
            _h.Lambda.BeforeAdd = null;
            _h.Lambda.AddStatement(Books, "live",
                """{"Sid":"s3-events","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:books-api:live"}""");
        };

        var moved = await ApprovalHarness.Request(handler, "POST", token);

        moved.Status.ShouldBe(409, moved.Html);
        _h.Lambda.Writes.ShouldBe(0);
        _h.RemediatorStatements(Books, "live").ShouldBe(0);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("10.0.0.0/8, 2001:db8::/32", "10.1.2.3", 200)]
    [InlineData("10.0.0.0/8, 2001:db8::/32", "2001:db8::7", 200)]
    [InlineData("10.0.0.0/8", "203.0.113.9", 403)]
    [InlineData("10.0.0.0/8", "not-an-ip", 403)]
    public async Task Post_SourceCidrs_OnlyListedNetworksApprove(string cidrs, string sourceIp, int expected)
    {
        var handler = _h.Handler(("REMEDIATOR_APPROVAL_SOURCE_CIDRS", cidrs));
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));

        var (status, _, html) = await ApprovalHarness.Request(handler, "POST", token, sourceIp);

        status.ShouldBe(expected, html);
        _h.Lambda.Writes.ShouldBe(expected == 200 ? 1 : 0);
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_OptedOutSincePlan_RecheckedAndRefused()
    {
        var handler = _h.Handler();
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));
        _h.Lambda.Function(Books, ["live", "7"], new Dictionary<string, string> { ["remediator:auto-repair"] = "false" });

        var (status, _, html) = await ApprovalHarness.Request(handler, "POST", token);

        status.ShouldBe(409);
        html.ShouldContain("opted_out");
        _h.Lambda.Writes.ShouldBe(0);
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_ApiNoLongerIntegratesTheFunction_Refused()
    {
        var handler = _h.Handler();
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));
        _h.Repair.ApiGateway.RestIntegration(RepairHarness.Api, "GET", "/books/{id}", "arn:aws:lambda:us-east-1:123456789012:function:orders-api");

        var (status, _, html) = await ApprovalHarness.Request(handler, "POST", token);

        status.ShouldBe(409, html);
        html.ShouldContain("not_an_integration");
        _h.Lambda.Writes.ShouldBe(0);
    }

    [Fact(Timeout = 120_000)]
    public async Task FunctionUrlRequest_NotApproveMode_NotFoundAndDeliveriesStillWork()
    {
        var handler = _h.Repair.Handler("dry-run");

        var (status, _, html) = await ApprovalHarness.Request(handler, "GET", "x.y");
        var machine = await _h.Repair.Deliver(handler, RepairHarness.DeployedPermissionDelivery());

        status.ShouldBe(404);
        html.ShouldContain("approval links only");
        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repair_planned");
        RepairHarness.Repair(machine, "approveUrl").ShouldBeNull();
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_Base64Body_Read()
    {
        var handler = _h.Handler();
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));

        await using var response = await handler.Handle(new MemoryStream(ApprovalHarness.UrlEvent("POST", token, base64Body: true)));
        using var doc = await JsonDocument.ParseAsync(response);

        doc.RootElement.GetProperty("statusCode").GetInt32().ShouldBe(200);
        _h.Lambda.Writes.ShouldBe(1);
    }

    [Fact(Timeout = 120_000)]
    public async Task Delivery_KmsDown_PlanStillSentWithoutLink()
    {
        var handler = _h.Handler();
        // Not retried (a retry would wait on the test's clock): KMS refuses, as when the key policy lacks the role.
        for (var i = 0; i < 4; i++)
        {
            _h.Kms.Chaos.Enqueue(Chaos.Fail(400, "AccessDeniedException"));
        }

        var machine = await _h.Repair.Deliver(handler, RepairHarness.DeployedPermissionDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repair_planned");
        RepairHarness.Repair(machine, "approveUrl").ShouldBeNull();
        _h.Log.ToString().ShouldContain("approval link not made");
    }

    [Fact(Timeout = 120_000)]
    public async Task Delivery_NoApprovalUrl_AsksLambdaForTheFunctionsOwnUrlOnce()
    {
        const string own = "https://ownurl0123456789abcdefghijklmn.lambda-url.us-east-1.on.aws/";
        _h.Lambda.FunctionUrl("remediator-Function", own);
        var handler = _h.Handler(("REMEDIATOR_APPROVAL_URL", ""), ("AWS_LAMBDA_FUNCTION_NAME", "remediator-Function"));

        var first = await _h.Repair.Deliver(handler, RepairHarness.DeployedPermissionDelivery());
        var second = await _h.Repair.Deliver(handler, RepairHarness.DeployedPermissionDelivery());

        RepairHarness.Repair(first, "approveUrl")!.ShouldStartWith(own + "?t=");
        RepairHarness.Repair(second, "approveUrl")!.ShouldStartWith(own + "?t=");
        _h.Lambda.Requests.Count(r => r.Path.EndsWith("/url", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Theory]
    [InlineData("""{"awslogs":{"data":"H4sI"}}""", false)]
    [InlineData("""{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}}}""", true)]
    [InlineData("""{"requestContext":{},"awslogs":{"data":""},"rawPath":"/"}""", false)]
    [InlineData("""{"rawPath":"/"}""", false)]
    [InlineData("""[1,2]""", false)]
    [InlineData("""{"requestContext":""", false)]
    public void Is_TellsFunctionUrlEventsFromDeliveries(string json, bool expected) =>
        FunctionUrlEvent.Is(System.Text.Encoding.UTF8.GetBytes(json)).ShouldBe(expected);

    [Fact]
    public void Plan_HostileRoute_HtmlEncoded()
    {
        var token = new ApprovalToken("123456789012", "us-east-1", "a1b2c3d4e5", ApiType.Rest, "prod", "GET", "/x/<script>alert(1)</script>", null,
            Books, "live", null, "remediator-a1b2c3d4e5", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*", "", DateTimeOffset.UnixEpoch);

        var html = ApprovalPages.Plan(token, token.Plan()!, "\"><img src=x>", null);

        html.ShouldNotContain("<script>");
        html.ShouldNotContain("<img");
        html.ShouldContain("&lt;script&gt;");
    }

    private static string WebEncoded(string s) => System.Net.WebUtility.HtmlEncode(s);

    private static List<JsonElement> Lines(StringWriter log) =>
        log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{') && !l.Contains("\"_aws\"", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
}
