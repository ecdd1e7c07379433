using Remediator.Core.Diagnosis;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>A Lambda function's own log (issue 12, item 10): what it shows is the function-side cause.</summary>
public class FunctionLogTests
{
    [Theory]
    // Node.js runtime: an unhandled exception ("Invoke Error"), an init error before any request ("undefined").
    [InlineData("""
        START RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978 Version: $LATEST
        2024-05-02T16:09:42.123Z	6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978	ERROR	Invoke Error 	{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined (reading 'id')","stack":["TypeError: Cannot read properties of undefined (reading 'id')","    at Runtime.handler (file:///var/task/index.mjs:3:28)"]}
        END RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978
        REPORT RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978	Duration: 12.31 ms	Billed Duration: 13 ms	Memory Size: 128 MB	Max Memory Used: 64 MB
        """, "function_error", "TypeError", "Cannot read properties of undefined (reading 'id')")]
    [InlineData("""
        2024-05-02T16:09:42.123Z	undefined	ERROR	Uncaught Exception 	{"errorType":"Runtime.ImportModuleError","errorMessage":"Error: Cannot find module 'pg'\nRequire stack:\n- /var/task/index.js","stack":["Runtime.ImportModuleError: Error: Cannot find module 'pg'"]}
        INIT_REPORT Init Duration: 211.35 ms	Phase: invoke	Status: error	Error Type: Runtime.ImportModuleError
        START RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978 Version: $LATEST
        END RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978
        REPORT RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978	Duration: 230.01 ms	Billed Duration: 231 ms	Memory Size: 128 MB	Max Memory Used: 20 MB	Status: error	Error Type: Runtime.ImportModuleError
        """, "function_error", "Runtime.ImportModuleError", "Error: Cannot find module 'pg'")]
    // Python runtime: an uncaught exception with its traceback, an import error at init.
    [InlineData("""
        START RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978 Version: $LATEST
        [ERROR] KeyError: 'id'
        Traceback (most recent call last):
          File "/var/task/app.py", line 5, in handler
            return {"statusCode": 200, "body": event["id"]}
        END RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978
        """, "function_error", "KeyError", "'id'")]
    [InlineData("""
        [ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'requests'
        Traceback (most recent call last):
        START RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978 Version: $LATEST
        END RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978
        """, "function_error", "Runtime.ImportModuleError", "Unable to import module 'app': No module named 'requests'")]
    // The runtime process exited (out of memory, a crash).
    [InlineData("""
        START RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978 Version: $LATEST
        RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978 Error: Runtime exited with error: signal: killed
        Runtime.ExitError
        END RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978
        """, "function_error", "Runtime.ExitError", "Runtime exited with error: signal: killed")]
    // A timeout wins over the "Status: error" the runtime may also report.
    [InlineData("""
        START RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978 Version: $LATEST
        2024-05-02T16:09:45.130Z 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978 Task timed out after 3.00 seconds
        END RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978
        REPORT RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978	Duration: 3000.00 ms	Billed Duration: 3000 ms	Memory Size: 128 MB	Max Memory Used: 64 MB	Status: timeout
        """, "function_timeout", null, null)]
    public void Diagnose_FunctionLog_FunctionSideCause(string log, string cause, string? errorType, string? message)
    {
        var result = Fixtures.DiagnoseText(log);

        var finding = result.Findings.ShouldHaveSingleItem();
        finding.Cause.ToName().ShouldBe(cause);
        finding.ErrorType.ShouldBe(errorType);
        if (message is not null)
        {
            finding.ErrorMessage.ShouldNotBeNull().ShouldStartWith(message);
        }
        finding.ApiType.ShouldBeNull();
        finding.LogKind.ShouldBe(LogKind.Function); // what the function logged, not API Gateway's execution log
        finding.Note!.ShouldContain("function's own log");
        result.Summary.Requests.ShouldBe(1);
    }

    [Fact]
    public void Diagnose_FunctionLogWithoutErrors_NoFinding()
    {
        var log = """
            START RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978 Version: $LATEST
            [ERROR]	2024-05-02T16:09:42.123Z	6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978	payment provider slow, retrying
            END RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978
            REPORT RequestId: 6a4f5c1e-0b8e-4c55-9f1e-2d3c4b5a6978	Duration: 12.31 ms	Billed Duration: 13 ms	Memory Size: 128 MB	Max Memory Used: 64 MB
            """;
        var result = Fixtures.DiagnoseText(log);

        result.Findings.ShouldBeEmpty(); // a logger.error line of the function's own fails nothing
        result.Summary.Requests.ShouldBe(1);
    }
}
