using System.Text.RegularExpressions;
using Xunit;

namespace FuncCnn.Api.Tests;

/// <summary>
/// Every C# and F# code block of the README is a verbatim part of an
/// examples/ program, which the build compiles: a sample cannot rot without this test failing.
/// </summary>
public partial class ReadmeExamplesTests
{
    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FuncCnn.sln"))) return d.FullName;
        throw new InvalidOperationException("FuncCnn.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Normalize(string s) => s.Replace("\r\n", "\n").Trim('\n');

    [GeneratedRegex(@"^```(csharp|fsharp)[ \t]*\n(.*?)^```[ \t]*$", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CodeBlock();

    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (var doc in new[] { "README.md" })
            if (File.Exists(Path.Combine(RepoRoot(), doc))) data.Add(doc);
        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_code_block_is_part_of_a_compiled_example(string document)
    {
        var root = RepoRoot();
        var sources = Directory.EnumerateFiles(Path.Combine(root, "examples"), "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".cs") || f.EndsWith(".fs")) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(f => Normalize(File.ReadAllText(f))).ToList();
        sources.AddRange(sources.SelectMany(Regions).ToList());   // marked regions inside methods, de-indented
        var text = Normalize(File.ReadAllText(Path.Combine(root, document)));
        var blocks = CodeBlock().Matches(text);
        if (document == "README.md") Assert.True(blocks.Count >= 3, $"{document}: expected the C# and F# quick starts, found {blocks.Count} code blocks");
        foreach (Match m in blocks)
        {
            var block = Normalize(m.Groups[2].Value);
            Assert.True(sources.Any(s => s.Contains(block)), $"{document}: this {m.Groups[1].Value} block is not in any examples/ source:\n{block}");
        }
    }

    [GeneratedRegex(@"^[ \t]*// ([a-z0-9-]+):begin\n(.*?)^[ \t]*// \1:end", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex MarkedRegion();

    /// <summary>The text between "// name:begin" and "// name:end" markers, without its common indentation.</summary>
    private static IEnumerable<string> Regions(string source) =>
        MarkedRegion().Matches(source).Select(m => Dedent(m.Groups[2].Value));

    private static string Dedent(string text)
    {
        var lines = Normalize(text).Split('\n');
        int indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    /// <summary>Every marked region of the C# API examples is a README block (the reverse of the check above).</summary>
    [Theory]
    [InlineData("early-stopping")]
    [InlineData("evaluation")]
    [InlineData("summary")]
    [InlineData("layers")]
    [InlineData("autoencoder")]
    [InlineData("image-ops")]
    [InlineData("notebooks")]
    public void The_api_examples_are_in_the_readme(string marker)
    {
        var root = RepoRoot();
        var docs = Normalize(File.ReadAllText(Path.Combine(root, "README.md")));
        var source = Normalize(File.ReadAllText(Path.Combine(root, "examples/FuncCnn.Examples.CSharp/ApiExamples.cs")));
        var m = Regex.Match(source, $@"^[ \t]*// {Regex.Escape(marker)}:begin\n(.*?)^[ \t]*// {Regex.Escape(marker)}:end", RegexOptions.Singleline | RegexOptions.Multiline);
        Assert.True(m.Success, $"no '// {marker}:begin' ... '// {marker}:end' region in ApiExamples.cs");
        var region = Dedent(m.Groups[1].Value);
        Assert.Contains("```csharp\n" + region + "\n```", docs);
    }

    [Fact]
    public void The_quick_starts_are_in_the_readme()
    {
        var root = RepoRoot();
        var docs = Normalize(File.ReadAllText(Path.Combine(root, "README.md")));
        foreach (var (file, marker) in new[] { ("examples/FuncCnn.Examples.CSharp/Program.cs", "quickstart"), ("examples/FuncCnn.Examples.CSharp/Program.cs", "inspect"), ("examples/FuncCnn.Examples.FSharp/Program.fs", "quickstart") })
        {
            var source = Normalize(File.ReadAllText(Path.Combine(root, file)));
            var region = Normalize(source.Split($"// {marker}:begin\n")[1].Split($"// {marker}:end")[0]);
            Assert.Contains("```" + (file.EndsWith(".fs") ? "fsharp" : "csharp") + "\n" + region + "\n```", docs);
        }
    }
}
