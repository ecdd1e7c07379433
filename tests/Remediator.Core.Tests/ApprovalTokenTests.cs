using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;

namespace Remediator.Core.Tests;

/// <summary>The approval token: canonical bytes, and a strict parser that refuses every other spelling.</summary>
public class ApprovalTokenTests
{
    private static readonly ApprovalToken Books = new("123456789012", "us-east-1", "a1b2c3d4e5", ApiType.Rest, "prod", "GET", "/books/{id}", null,
        "arn:aws:lambda:us-east-1:123456789012:function:books-api", "live", null, "remediator-a1b2c3d4e5",
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*", "4843f2f6-7c59-4fda-b484-afd0bc0e22b8", DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    private static readonly ApprovalToken Authorizer = new("123456789012", "us-east-1", "a1b2c3d4e5", null, "prod", null, null, "authorizer token-auth (au7x1k)",
        "arn:aws:lambda:us-east-1:123456789012:function:token-authorizer", null, "au7x1k", "remediator-a1b2c3d4e5-authorizer-au7x1k",
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/au7x1k", "", DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    public static TheoryData<string> Tokens => new() { "books", "authorizer" };

    private static ApprovalToken Of(string name) => name == "books" ? Books : Authorizer;

    [Theory]
    [MemberData(nameof(Tokens))]
    public void Parse_CanonicalBytes_SameToken(string name)
    {
        var token = Of(name);

        var parsed = ApprovalToken.Parse(token.Canonical(), out var problem);

        problem.ShouldBeNull();
        parsed.ShouldBe(token);
        parsed!.Plan()!.StatementId.ShouldBe(token.StatementId);
    }

    [Fact]
    public void Canonical_Books_FixedFieldsInFixedOrder()
    {
        Encoding.UTF8.GetString(Books.Canonical()).ShouldBe(
            "remediator-approval/1\naccount=123456789012\nregion=us-east-1\napi=a1b2c3d4e5\napiType=rest\nstage=prod\nmethod=GET\npath=/books/{id}\nroute=\n" +
            "function=arn:aws:lambda:us-east-1:123456789012:function:books-api\nqualifier=live\nauthorizer=\nstatementId=remediator-a1b2c3d4e5\n" +
            "sourceArn=arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*\nrevision=4843f2f6-7c59-4fda-b484-afd0bc0e22b8\nexpires=1800000000\n");
    }

    /// <summary>Each edit of a signed token's text; none may parse, so a MAC over the bytes binds one meaning.</summary>
    [Theory]
    [InlineData("account=123456789012", "account=123456789013", "the function is not in the token's account and region")]
    [InlineData("statementId=remediator-a1b2c3d4e5", "statementId=remediator-other", "the statement id or source ARN is not the plan's")]
    [InlineData("a1b2c3d4e5/*", "*", "the statement id or source ARN is not the plan's")]
    [InlineData("region=us-east-1\n", "region=us-east-1 \n", "region is not a region")]
    [InlineData("expires=1800000000", "expires=+1800000000", "expires is not a time")]
    [InlineData("expires=1800000000", "expires=01800000000", "not written canonically")]
    [InlineData("apiType=rest", "apiType=REST", "apiType is not rest or http")]
    [InlineData("stage=prod\nmethod=GET", "method=GET\nstage=prod", "field 5 is not stage")]
    [InlineData("remediator-approval/1", "remediator-approval/2", "not a version 1 approval")]
    [InlineData("path=/books/{id}", "path=/books/{id}\nroute=/x", "not a version 1 approval")]
    [InlineData("path=/books/{id}", "path=/books/\u0007", "path has characters a route cannot have")]
    [InlineData("revision=4843f2f6-7c59-4fda-b484-afd0bc0e22b8", "revision=<script>", "revision is not a revision id")]
    [InlineData("qualifier=live", "qualifier=$LATEST x", "function is not a function ARN")]
    public void Parse_EditedText_Refused(string from, string to, string expected)
    {
        var text = Encoding.UTF8.GetString(Books.Canonical());
        text.ShouldContain(from);

        ApprovalToken.Parse(Encoding.UTF8.GetBytes(text.Replace(from, to, StringComparison.Ordinal)), out var problem).ShouldBeNull();

        problem.ShouldBe(expected);
    }

    [Fact]
    public void Parse_NotUtf8_Refused()
    {
        ApprovalToken.Parse([0xff, 0xfe, 0x00], out var problem).ShouldBeNull();
        problem.ShouldBe("not UTF-8");
    }

    [Fact]
    public void For_PlannedReport_BindsPlanRevisionAndWholeSeconds()
    {
        var plan = Books.Plan()!;
        var key = new FindingKey(Cause.MissingInvokePermission, "a1b2c3d4e5", "prod", "GET", "/books/{id}", null, plan.Function.Arn, "live");
        var finding = new Finding
        {
            Id = key.Id, Key = key, Count = 3, LogKind = LogKind.Execution, RequestIds = ["r-1"], ApiType = ApiType.Rest,
            Advice = Advice.AdviceBook.For(key, new Advice.FindingFacts(ApiType.Rest, LogKind.Execution, null, null, null, null, "123456789012", "us-east-1", null, [])),
        };
        var report = new RepairReport(finding, RepairResult.Planned, plan, null, "", []) { PolicyRevisionId = Books.PolicyRevisionId };

        var token = ApprovalToken.For(report, DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_999));

        token.ShouldBe(Books);
        Encoding.UTF8.GetString(token.Canonical()).ShouldNotContain("r-1"); // no request data in a link
    }
}
