using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Floodgate.Server.Tests;

/// <summary>
/// Every C# block of README.md compiles as shown, with what a new web application (<c>dotnet new web</c>, its implicit
/// usings) references plus the Floodgate packages and the OpenTelemetry ones the README names. The line just above
/// each block says where the block goes, as an HTML comment the rendered README does not show:
/// <list type="bullet">
/// <item><c>&lt;!-- snippet: program --&gt;</c>: a whole <c>Program.cs</c>;</item>
/// <item><c>&lt;!-- snippet: builder --&gt;</c>: in <c>Program.cs</c> after <c>var builder = WebApplication.CreateBuilder(args);</c>;</item>
/// <item><c>&lt;!-- snippet: app --&gt;</c>: after that and <c>var app = builder.Build();</c>.</item>
/// </list>
/// The block's own <c>using</c> directives stay at the top of the file; nothing else is added.
/// </summary>
public sealed class ReadmeSnippetTests
{
    // The implicit usings of Microsoft.NET.Sdk.Web.
    private const string WebUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Net.Http.Json;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        global using global::Microsoft.AspNetCore.Builder;
        global using global::Microsoft.AspNetCore.Hosting;
        global using global::Microsoft.AspNetCore.Http;
        global using global::Microsoft.AspNetCore.Routing;
        global using global::Microsoft.Extensions.Configuration;
        global using global::Microsoft.Extensions.DependencyInjection;
        global using global::Microsoft.Extensions.Hosting;
        global using global::Microsoft.Extensions.Logging;
        """;

    private static readonly Dictionary<string, string> Prologues = new(StringComparer.Ordinal)
    {
        ["program"] = "",
        ["builder"] = "var builder = WebApplication.CreateBuilder(args);\n",
        ["app"] = "var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\n",
    };

    // Everything this process runs with: the shared frameworks (ASP.NET Core included), the Floodgate libraries,
    // StackExchange.Redis and OpenTelemetry.
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))]);

    public static TheoryData<int> Blocks => [.. ReadmeSnippet.Parse(Readme()).Select(s => s.Line)];

    [Fact]
    public void Readme_HasCSharpBlocks_EachMarkedWithWhereItGoes()
    {
        var snippets = ReadmeSnippet.Parse(Readme());

        Assert.True(snippets.Count >= 5, $"Only {snippets.Count} C# blocks found in README.md.");
        foreach (var snippet in snippets)
        {
            Assert.True(
                snippet.Context is not null && Prologues.ContainsKey(snippet.Context),
                $"README.md line {snippet.Line}: put <!-- snippet: program|builder|app --> on the line above the block (was '{snippet.Context}').");
        }
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void CSharpBlock_CompilesAsShown(int line)
    {
        var snippet = ReadmeSnippet.Parse(Readme()).Single(s => s.Line == line);
        if (snippet.Context is null || !Prologues.TryGetValue(snippet.Context, out var prologue))
        {
            Assert.Fail($"README.md line {line}: no <!-- snippet: program|builder|app --> marker above the block.");
            return;
        }

        var errors = Compile(snippet.Code, prologue);

        Assert.True(errors.Count == 0, $"README.md line {line} does not compile:\n{string.Join('\n', errors)}\n\n{snippet.Code}");
    }

    [Fact]
    public void Compile_ReportsAMissingUsing()
    {
        // The check itself can fail: the two lines without their using do not compile.
        var errors = Compile("builder.Services.AddFloodgate();\napp.UseFloodgate();", Prologues["app"]);

        Assert.Contains(errors, e => e.Contains("CS1061", StringComparison.Ordinal) && e.Contains("AddFloodgate", StringComparison.Ordinal));
    }

    /// <summary>The errors of the block as <c>Program.cs</c>: its using directives first, then the prologue, then the rest.</summary>
    private static List<string> Compile(string code, string prologue)
    {
        var options = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);
        var parsed = CSharpSyntaxTree.ParseText(code, options);
        var usings = ((Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax)parsed.GetRoot()).Usings;
        var split = usings.Count > 0 ? usings.Last().FullSpan.End : 0;
        var program = code[..split] + prologue + code[split..];

        var compilation = CSharpCompilation.Create(
            "ReadmeSnippet",
            [CSharpSyntaxTree.ParseText(WebUsings, options, "GlobalUsings.g.cs"), CSharpSyntaxTree.ParseText(program, options, "Program.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        return [.. compilation.GetDiagnostics(TestContext.Current.CancellationToken)
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())];
    }

    private static string Readme() => File.ReadAllText(Path.Combine(DeploymentTests.RepositoryRoot(), "README.md"));
}
