using System.Text.Json;
using Remediator.Function;
using Remediator.Function.Approval;

namespace Remediator.Infra.Tests;

/// <summary>repairMode=approve: the HMAC key, the function URL, the options the function reads, and exactly the IAM it needs.</summary>
public class ApprovalStackTests
{
    private const string Allowed = "arn:aws:lambda:eu-west-1:123456789012:function:books-*";

    private static JsonElement Synth(params (string Key, object Value)[] extra) =>
        StackTests.Synth([("restApis", "abc123defg/prod"), ("repairMode", "approve"), ("repairAllowedFunctions", Allowed), .. extra]);

    /// <summary>The log function and the page's function, told apart by their roles' logical ids.</summary>
    private static (JsonElement Log, JsonElement Page) Functions(JsonElement t)
    {
        var functions = t.GetProperty("Resources").EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString() == "AWS::Lambda::Function").ToList();
        functions.Count.ShouldBe(2);
        var page = functions.Single(f => f.Name.StartsWith("ApprovalPageFunction", StringComparison.Ordinal)).Value.GetProperty("Properties");
        var log = functions.Single(f => !f.Name.StartsWith("ApprovalPageFunction", StringComparison.Ordinal)).Value.GetProperty("Properties");
        return (log, page);
    }

    /// <summary>The identity-policy statements attached to the roles whose logical id starts with <paramref name="role"/>.</summary>
    private static List<string> IamLinesOf(JsonElement t, string role) =>
        TemplateText.Resources(t, "AWS::IAM::Policy").Select(p => p.GetProperty("Properties"))
            .Where(p => p.GetProperty("Roles").EnumerateArray().Any(r => r.GetProperty("Ref").GetString()!.StartsWith(role, StringComparison.Ordinal)))
            .SelectMany(p => p.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray()).Select(TemplateText.Statement)
            .Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Approve_HmacKeyFunctionUrlOutputAndOptions()
    {
        var t = Synth(("approvalSourceCidrs", "203.0.113.0/24,2001:db8::/32"), ("approvalTtlMinutes", "30"));

        var key = TemplateText.Resources(t, "AWS::KMS::Key").Select(k => k.GetProperty("Properties")).Single(k => k.TryGetProperty("KeySpec", out _));
        key.GetProperty("KeySpec").GetString().ShouldBe("HMAC_256");
        key.GetProperty("KeyUsage").GetString().ShouldBe("GENERATE_VERIFY_MAC");
        var url = TemplateText.Resources(t, "AWS::Lambda::Url").ShouldHaveSingleItem().GetProperty("Properties");
        url.GetProperty("AuthType").GetString().ShouldBe("NONE");
        TemplateText.Token(url.GetProperty("TargetFunctionArn")).ShouldStartWith("${ApprovalPageFunction");
        t.GetProperty("Outputs").TryGetProperty("ApprovalPageUrl", out var output).ShouldBeTrue();
        output.GetProperty("Value").GetRawText().ShouldContain("FunctionUrl");
        var (log, page) = Functions(t);
        page.GetProperty("ReservedConcurrentExecutions").GetInt32().ShouldBe(ApprovalPage.ReservedConcurrency);

        // The page: every option of the function, the key, the links' lifetime and the networks; it finds its own URL.
        var env = page.GetProperty("Environment").GetProperty("Variables");
        env.EnumerateObject().Select(v => v.Name).Order().ShouldBe(OptionNames.All.Concat([ApprovalOptionNames.KeyId, ApprovalOptionNames.TtlMinutes, ApprovalOptionNames.SourceCidrs]).Order());
        env.GetProperty(OptionNames.RepairMode).GetString().ShouldBe("approve");
        env.GetProperty(ApprovalOptionNames.TtlMinutes).GetString().ShouldBe("30");
        env.GetProperty(ApprovalOptionNames.SourceCidrs).GetString().ShouldBe("203.0.113.0/24,2001:db8::/32");
        TemplateText.Token(env.GetProperty(ApprovalOptionNames.KeyId)).ShouldStartWith("${ApprovalLinkKey");
        // What the page reads from the stack's values is what it accepts.
        var values = env.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.String).ToDictionary(v => v.Name, v => v.Value.GetString());
        values[ApprovalOptionNames.KeyId] = "arn:aws:kms:eu-west-1:123456789012:key/x";
        var options = ApprovalOptions.Load(n => values.GetValueOrDefault(n));
        options.Ttl.ShouldBe(TimeSpan.FromMinutes(30));
        options.Allows("203.0.113.9").ShouldBeTrue();
        options.Allows("198.51.100.1").ShouldBeFalse();
        options.Url.ShouldBeNull(); // the page asks Lambda for its own URL

        // The log function signs links to the page's URL.
        var logEnv = log.GetProperty("Environment").GetProperty("Variables");
        logEnv.EnumerateObject().Select(v => v.Name).Order().ShouldBe(OptionNames.All.Concat([ApprovalOptionNames.Url, ApprovalOptionNames.KeyId, ApprovalOptionNames.TtlMinutes]).Order());
        logEnv.GetProperty(ApprovalOptionNames.Url).GetRawText().ShouldContain("FunctionUrl");
    }

    [Fact]
    public void Approve_TheLogFunctionNeverWritesAndThePageWritesOnlyTheApprovedStatement()
    {
        var t = Synth();

        var log = IamLinesOf(t, "FunctionRole");
        var page = IamLinesOf(t, "ApprovalPageRole");

        // The function reading untrusted logs plans and signs, and cannot add a statement whatever a forged line asks.
        log.ShouldNotContain(l => l.Contains("lambda:AddPermission", StringComparison.Ordinal));
        log.ShouldContain(l => l.StartsWith("Allow kms:GenerateMac on ${ApprovalLinkKey", StringComparison.Ordinal) && !l.Contains('|'));
        log.ShouldNotContain(l => l.Contains("kms:VerifyMac", StringComparison.Ordinal) || l.Contains("lambda:GetFunctionUrlConfig", StringComparison.Ordinal));
        log.ShouldContain($"Allow lambda:GetPolicy,lambda:ListTags on {Allowed} | {Allowed}:*");
        // The page: what auto mode holds, the key for both MAC calls, its own URL, its own logs, the topic.
        page.ShouldContain($"Allow lambda:AddPermission on {Allowed} | {Allowed}:* if StringEquals lambda:Principal=apigateway.amazonaws.com");
        page.ShouldContain($"Allow lambda:GetPolicy,lambda:ListTags on {Allowed} | {Allowed}:*");
        page.ShouldContain(l => l.StartsWith("Allow kms:GenerateMac,kms:VerifyMac on ${ApprovalLinkKey", StringComparison.Ordinal) && !l.Contains('|'));
        page.ShouldContain(l => l.StartsWith("Allow lambda:GetFunctionUrlConfig on ${ApprovalPageFunction", StringComparison.Ordinal) && !l.Contains('*'));
        page.ShouldContain("Allow dynamodb:DeleteItem,dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on ${SharedStateTable.Arn}");
        page.ShouldContain(l => l.StartsWith("Allow sns:Publish on ${NotificationsFindings", StringComparison.Ordinal));
        page.ShouldNotContain(l => l.Contains("sqs:", StringComparison.Ordinal) || l.Contains("logs:FilterLogEvents", StringComparison.Ordinal));
        log.Concat(page).ShouldNotContain(l => l.Contains("kms:*", StringComparison.Ordinal) || l.Contains("lambda:*", StringComparison.Ordinal));
    }

    [Fact]
    public void Approve_NoneAuth_InvokeGrantedOnlyThroughTheUrl()
    {
        var t = Synth();

        var invoke = TemplateText.Resources(t, "AWS::Lambda::Permission").Select(p => p.GetProperty("Properties"))
            .Single(p => p.GetProperty("Principal").GetString() == "*" && p.GetProperty("Action").GetString() == "lambda:InvokeFunction");
        invoke.GetProperty("Principal").GetString().ShouldBe("*");
        invoke.GetProperty("InvokedViaFunctionUrl").GetBoolean().ShouldBeTrue();
        TemplateText.Token(invoke.GetProperty("FunctionName")).ShouldStartWith("${ApprovalPageFunction");
    }

    [Fact]
    public void ApproveIamAuth_FunctionUrlNeedsSigV4()
    {
        var t = Synth(("approvalAuth", "iam"));

        TemplateText.Resources(t, "AWS::Lambda::Url").ShouldHaveSingleItem().GetProperty("Properties").GetProperty("AuthType").GetString().ShouldBe("AWS_IAM");
        // Callers need lambda:InvokeFunctionUrl and lambda:InvokeFunction in their own policies: nothing public.
        TemplateText.Resources(t, "AWS::Lambda::Permission").Select(p => p.GetProperty("Properties").GetProperty("Principal").GetString()).ShouldNotContain("*");
    }

    [Fact]
    public void DryRun_NoApprovalPage()
    {
        var t = StackTests.Synth(("restApis", "abc123defg/prod"));

        TemplateText.Resources(t, "AWS::Lambda::Url").ShouldBeEmpty();
        t.GetProperty("Outputs").TryGetProperty("ApprovalPageUrl", out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("auto", "approvalTtlMinutes", "30", "apply to repairMode=approve only")]
    [InlineData("approve", "approvalSourceCidrs", "10.0.0.0/33", "is not a CIDR block")]
    [InlineData("approve", "approvalAuth", "cognito", "approvalAuth must be none or iam")]
    [InlineData("approve", "approvalTtlMinutes", "0", "approvalTtlMinutes")]
    public void Config_Invalid_ExplainsWhat(string mode, string key, string value, string expected)
    {
        var values = new Dictionary<string, object> { ["restApis"] = "abc123defg/prod", ["repairMode"] = mode, [key] = value };

        Should.Throw<Exception>(() => StackConfig.From(k => values.GetValueOrDefault(k))).Message.ShouldContain(expected);
    }
}
