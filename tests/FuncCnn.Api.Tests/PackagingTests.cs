using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace FuncCnn.Api.Tests;

/// <summary>
/// SLOW (about two minutes on the 2-core machine): FuncCnn as a .NET library is consumed.
/// The fixture packs the already built projects once (<c>scripts/pack.sh --no-build</c>, so it never
/// rebuilds under a running suite) into a temporary folder feed; the tests read the packages, build
/// and run a small C# app against them, and install the <c>funccnn</c> tool from them. Nothing
/// touches the network: restores read only the folder feed and the machine's NuGet package folder
/// (where <c>scripts/setup.sh</c> put every third-party package), into a private package folder so
/// that no stale FuncCnn package of an earlier run can be picked up.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PackagingTests : IClassFixture<PackagingTests.Packages>
{
    private readonly Packages _packages;

    public PackagingTests(Packages packages) => _packages = packages;

    /// <summary>Packs once per run; deletes the feed, the app and the installed tool at the end.</summary>
    public sealed class Packages : IDisposable
    {
        public DirectoryInfo Root { get; } = Directory.CreateTempSubdirectory("funccnn-pack-");
        public string Feed => Path.Combine(Root.FullName, "feed");
        public string Version { get; }
        public string Configuration { get; } = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        public string PackOutput { get; }

        public Packages()
        {
            var run = Tools.Run(Tools.RepoRoot(), Root.FullName, "bash", "scripts/pack.sh", "--no-build", "--configuration", Configuration, "--out", Feed);
            PackOutput = run.Out + run.Err;
            Assert.True(run.ExitCode == 0, "scripts/pack.sh failed:\n" + PackOutput);
            var core = Directory.GetFiles(Feed, "FuncCnn.Core.*.nupkg").Single();
            Version = Path.GetFileNameWithoutExtension(core)["FuncCnn.Core.".Length..];
            File.WriteAllText(Path.Combine(Root.FullName, "NuGet.Config"), Tools.OfflineNuGetConfig(Feed));
        }

        public void Dispose()
        {
            try { Root.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private static XElement Nuspec(ZipArchive package) =>
        XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec") && !e.FullName.Contains('/')).Open()).Root!;

    private static IEnumerable<XElement> Named(XElement root, string name) => root.Descendants().Where(e => e.Name.LocalName == name);

    private static string? MetadataValue(XElement nuspec, string name) => Named(nuspec, name).FirstOrDefault()?.Value;

    /// <summary>Top-level packages of paket.lock with their resolved versions (e.g. FSharp.Core → 10.1.404).</summary>
    private static Dictionary<string, string> LockedVersions()
    {
        var locked = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match m in Regex.Matches(File.ReadAllText(Path.Combine(Tools.RepoRoot(), "paket.lock")), @"^    ([A-Za-z0-9_.\-]+) \(([^)]+)\)", RegexOptions.Multiline))
            locked.TryAdd(m.Groups[1].Value, m.Groups[2].Value);
        return locked;
    }

    // "2.2.0", "[2.2.0, 3.0.0)" or "[2.2.0]" → "2.2.0": the lowest version a NuGet range admits.
    private static string LowerBound(string range) => range.TrimStart('[', '(').Split(',', ']', ')')[0].Trim();

    // Paket writes "2.2" where NuGet writes "2.2.0": equal when the missing parts are zeros.
    private static bool SameVersion(string a, string b)
    {
        static int[] Parts(string v) => [.. v.Split('.').Select(int.Parse).Concat(Enumerable.Repeat(0, 4)).Take(4)];
        return Parts(a).SequenceEqual(Parts(b));
    }

    private static IEnumerable<string> PaketReferences(string project) =>
        File.ReadAllLines(Path.Combine(Tools.RepoRoot(), "src", project, "paket.references"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("//") && !l.StartsWith('#'))
            .Select(l => l.Split(' ')[0]);

    [Theory]
    [InlineData("FuncCnn.Core", new string[0])]
    [InlineData("FuncCnn.Api", new[] { "FuncCnn.Core" })]
    [InlineData("FuncCnn.Reports", new[] { "FuncCnn.Api" })]
    public void A_library_package_has_docs_readme_licence_symbols_and_the_dependencies_paket_locked(string id, string[] siblings)
    {
        var path = Path.Combine(_packages.Feed, $"{id}.{_packages.Version}.nupkg");
        using var package = ZipFile.OpenRead(path);
        var files = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains($"lib/net10.0/{id}.dll", files);
        Assert.Contains($"lib/net10.0/{id}.xml", files);       // IntelliSense docs
        Assert.Contains("README.md", files);
        Assert.DoesNotContain($"lib/net10.0/{id}.pdb", files);  // symbols go to the .snupkg

        var nuspec = Nuspec(package);
        Assert.Equal(id, MetadataValue(nuspec, "id"));
        Assert.Equal("README.md", MetadataValue(nuspec, "readme"));
        var license = Named(nuspec, "license").Single();
        Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
        Assert.Equal("FuncCnn contributors", MetadataValue(nuspec, "authors"));
        Assert.False(string.IsNullOrWhiteSpace(MetadataValue(nuspec, "description")));
        Assert.NotEqual("Package Description", MetadataValue(nuspec, "description"));

        // Dependencies: exactly the project's paket.references at the locked version or above (below the
        // next major, as paket.dependencies allows), plus its sibling FuncCnn package at exactly this version.
        var dependencies = Named(nuspec, "dependency").ToDictionary(d => (string)d.Attribute("id")!, d => (string)d.Attribute("version")!);
        var locked = LockedVersions();
        var expected = PaketReferences(id).Concat(siblings).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(expected.Order(StringComparer.OrdinalIgnoreCase), dependencies.Keys.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        foreach (var sibling in siblings)
            Assert.Equal($"[{_packages.Version}]", dependencies[sibling]);
        foreach (var (dependency, range) in dependencies.Where(d => !siblings.Contains(d.Key)))
            Assert.True(SameVersion(LowerBound(range), locked[dependency]),
                $"{id} depends on {dependency} {range}; paket.lock has {locked[dependency]}");

        using var symbols = ZipFile.OpenRead(Path.ChangeExtension(path, ".snupkg"));
        Assert.Contains($"lib/net10.0/{id}.pdb", symbols.Entries.Select(e => e.FullName));
    }

    [Fact]
    public void A_csharp_app_builds_against_the_packages_from_a_folder_feed_and_runs()
    {
        var app = Directory.CreateDirectory(Path.Combine(_packages.Root.FullName, "app")).FullName;
        // Stop MSBuild from walking up into a Directory.Build.props of whatever folder holds the temp dir.
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />");
        File.Copy(Path.Combine(_packages.Root.FullName, "NuGet.Config"), Path.Combine(app, "NuGet.Config"));
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <TieredCompilation>false</TieredCompilation>
                <RestorePackagesPath>{Path.Combine(_packages.Root.FullName, "nuget-packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="FuncCnn.Api" Version="{_packages.Version}" />
                <PackageReference Include="FuncCnn.Reports" Version="{_packages.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using FuncCnn;
            using FuncCnn.Reports;

            var output = args[0];
            var letters = Datasets.Letters();
            var model = ModelBuilder.Input([.. letters.ImageShape])
                .Conv2D(4, 3, Activation.Relu).Flatten().Dense(letters.ClassNames.Count)
                .Build(seed: 1);
            Console.WriteLine(model.Summary());
            var (trained, history) = model.Fit(letters, new TrainingOptions { Epochs = 40, BatchSize = 4, LearningRate = 0.02 });
            var prediction = trained.Predict(letters.Image(0));
            Console.WriteLine($"prediction: {prediction.ClassName} {prediction.Confidence:F3}");
            Console.WriteLine($"accuracy: {trained.Evaluate(letters).Accuracy.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            try { trained.Predict(new float[5]); }
            catch (ShapeException e) { Console.WriteLine("caught ShapeException: " + e.Message); }
            trained.Save(Path.Combine(output, "letters.fcnn"), history);
            Console.WriteLine($"reloaded: {Model.Load(Path.Combine(output, "letters.fcnn")).Predict(letters.Image(0)).Class == prediction.Class}");
            var report = TrainingReport.Write(Path.Combine(output, "report"), trained, history, letters);
            Console.WriteLine($"report: {File.Exists(report.IndexPath)}");
            """);

        var build = Tools.Run(app, _packages.Root.FullName, "dotnet", "build", "-c", "Release", "-nologo", "-v", "quiet", "-nodeReuse:false");
        Assert.True(build.ExitCode == 0, "the app did not build against the packages:\n" + build.Out + build.Err);
        var run = Tools.Run(app, _packages.Root.FullName, "dotnet", "bin/Release/net10.0/App.dll", _packages.Root.FullName);
        Assert.True(run.ExitCode == 0, "the app failed:\n" + run.Out + run.Err);

        Assert.Contains("Total params:", run.Out);
        Assert.Matches(@"prediction: \S+ \d\.\d{3}", run.Out);
        var accuracy = double.Parse(Regex.Match(run.Out, @"accuracy: (\S+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 0.8, $"the app's model learned the letters to only {accuracy:P0}:\n{run.Out}");
        Assert.Contains("caught ShapeException:", run.Out);
        Assert.Contains("reloaded: True", run.Out);
        Assert.Contains("report: True", run.Out);
    }

    [Fact]
    public void The_cli_package_is_a_dotnet_tool_that_installs_as_funccnn()
    {
        using (var package = ZipFile.OpenRead(Path.Combine(_packages.Feed, $"FuncCnn.Cli.{_packages.Version}.nupkg")))
        {
            Assert.Equal("DotnetTool", (string?)Named(Nuspec(package), "packageType").Single().Attribute("name"));
            var settings = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml")).Open());
            Assert.Equal("funccnn", (string?)settings.Descendants("Command").Single().Attribute("Name"));
        }

        var tools = Path.Combine(_packages.Root.FullName, "tools");
        var install = Tools.Run(_packages.Root.FullName, _packages.Root.FullName, "dotnet", "tool", "install", "FuncCnn.Cli",
            "--version", _packages.Version, "--tool-path", tools, "--configfile", Path.Combine(_packages.Root.FullName, "NuGet.Config"));
        Assert.True(install.ExitCode == 0, "dotnet tool install failed:\n" + install.Out + install.Err);

        var summary = Tools.Run(_packages.Root.FullName, _packages.Root.FullName, Path.Combine(tools, "funccnn"), "summary", "--model", "seed-cnn");
        Assert.True(summary.ExitCode == 0, "the installed funccnn failed:\n" + summary.Out + summary.Err);
        Assert.Contains("Total params: 121,930", summary.Out);

        var usage = Tools.Run(_packages.Root.FullName, _packages.Root.FullName, Path.Combine(tools, "funccnn"), "no-such-command");
        Assert.Equal(2, usage.ExitCode);
    }

    private static class Tools
    {
        public sealed record Result(int ExitCode, string Out, string Err);

        public static string RepoRoot()
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "FuncCnn.sln"))) return d.FullName;
            throw new InvalidOperationException("FuncCnn.sln not found above " + AppContext.BaseDirectory);
        }

        /// <summary>The machine's NuGet package folder, as restore and Paket use it.</summary>
        private static string GlobalPackages() =>
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

        /// <summary>Only the folder feed and the machine's package folder: no registry, no network.</summary>
        public static string OfflineNuGetConfig(string feed) => $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="funccnn" value="{feed}" />
                <add key="machine" value="{GlobalPackages()}" />
              </packageSources>
            </configuration>
            """;

        /// <summary>Runs a process to the end (10 minutes at most) with MSBuild's variables of the test host removed.</summary>
        public static Result Run(string workingDirectory, string root, string file, params string[] args)
        {
            var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) info.ArgumentList.Add(a);
            foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
                info.Environment.Remove(key);
            info.Environment["NUGET_PACKAGES"] = Path.Combine(root, "nuget-packages");   // private: no stale FuncCnn packages
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
            info.Environment["DOTNET_NOLOGO"] = "1";
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            info.Environment["FUNCCNN_DATA"] = "";
            using var p = Process.Start(info)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(600_000)) { p.Kill(entireProcessTree: true); throw new TimeoutException($"{file} {string.Join(" ", args)} ran over 10 minutes"); }
            return new Result(p.ExitCode, output, err.Result);
        }
    }
}
