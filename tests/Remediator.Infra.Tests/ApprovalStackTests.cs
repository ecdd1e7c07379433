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

    [Fact]
    public void Approve_HmacKeyFunctionUrlOutputAndOptions()
    {
        var t = Synth(("approvalSourceCidrs", "203.0.113.0/24,2001:db8::/32"), ("approvalTtlMinutes", "30"));

        var key = TemplateText.Resources(t, "AWS::KMS::Key").Select(k => k.GetProperty("Properties")).Single(k => k.TryGetProperty("KeySpec", out _));
        key.GetProperty("KeySpec").GetString().ShouldBe("HMAC_256");
        key.GetProperty("KeyUsage").GetString().ShouldBe("GENERATE_VERIFY_MAC");
        var url = TemplateText.Resources(t, "AWS::Lambda::Url").ShouldHaveSingleItem().GetProperty("Properties");
        url.GetProperty("AuthType").GetString().ShouldBe("NONE");
        t.GetProperty("Outputs").TryGetProperty("ApprovalPageUrl", out var output).ShouldBeTrue();
        output.GetProperty("Value").GetRawText().ShouldContain("FunctionUrl");
        var env = TemplateText.Resources(t, "AWS::Lambda::Function").ShouldHaveSingleItem().GetProperty("Properties").GetProperty("Environment").GetProperty("Variables");
        env.EnumerateObject().Select(v => v.Name).Order().ShouldBe(OptionNames.All.Concat([ApprovalOptionNames.KeyId, ApprovalOptionNames.TtlMinutes, ApprovalOptionNames.SourceCidrs]).Order());
        env.GetProperty(OptionNames.RepairMode).GetString().ShouldBe("approve");
        env.GetProperty(ApprovalOptionNames.TtlMinutes).GetString().ShouldBe("30");
        env.GetProperty(ApprovalOptionNames.SourceCidrs).GetString().ShouldBe("203.0.113.0/24,2001:db8::/32");
        TemplateText.Token(env.GetProperty(ApprovalOptionNames.KeyId)).ShouldStartWith("${ApprovalLinkKey");
        // What the function reads from the stack's values is what it accepts.
        var values = env.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.String).ToDictionary(v => v.Name, v => v.Value.GetString());
        values[ApprovalOptionNames.KeyId] = "arn:aws:kms:eu-west-1:123456789012:key/x";
        var options = ApprovalOptions.Load(n => values.GetValueOrDefault(n));
        options.Ttl.ShouldBe(TimeSpan.FromMinutes(30));
        options.Allows("203.0.113.9").ShouldBeTrue();
        options.Allows("198.51.100.1").ShouldBeFalse();
        options.Url.ShouldBeNull(); // the function asks Lambda for its own URL
    }

    [Fact]
    public void Approve_ExactlyTheIamItNeeds()
    {
        var t = Synth();

        var lines = TemplateText.IamLines(t);

        lines.ShouldContain(l => l.StartsWith("Allow kms:GenerateMac,kms:VerifyMac on ${ApprovalLinkKey", StringComparison.Ordinal) && !l.Contains('|'));
        lines.ShouldContain($"Allow lambda:AddPermission on {Allowed} | {Allowed}:* if StringEquals lambda:Principal=apigateway.amazonaws.com");
        lines.ShouldContain(l => l.StartsWith("Allow lambda:GetFunctionUrlConfig on ${Function", StringComparison.Ordinal) && !l.Contains('*'));
        lines.ShouldNotContain(l => l.Contains("kms:*", StringComparison.Ordinal) || l.Contains("lambda:*", StringComparison.Ordinal));
    }

    [Fact]
    public void ApproveIamAuth_FunctionUrlNeedsSigV4()
    {
        var t = Synth(("approvalAuth", "iam"));

        TemplateText.Resources(t, "AWS::Lambda::Url").ShouldHaveSingleItem().GetProperty("Properties").GetProperty("AuthType").GetString().ShouldBe("AWS_IAM");
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
