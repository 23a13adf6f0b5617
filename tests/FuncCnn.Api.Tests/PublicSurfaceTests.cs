using System.Reflection;
using Xunit;

namespace FuncCnn.Api.Tests;

/// <summary>The C# API must not leak F# types (lists, options, functions, unions) to C# callers.</summary>
public class PublicSurfaceTests
{
    private static readonly Assembly Api = typeof(FuncCnn.ImageOps).Assembly;

    private static bool IsFSharp(Type t)
    {
        if (t.HasElementType) return IsFSharp(t.GetElementType()!);
        if (t.IsGenericType && t.GetGenericArguments().Any(IsFSharp)) return true;
        var asm = t.Assembly.GetName().Name;
        return asm == "FSharp.Core" || asm == "FuncCnn.Core";
    }

    private static IEnumerable<(string Where, Type Type)> PublicTypesUsed()
    {
        foreach (var type in Api.GetExportedTypes())
        {
            if (type.BaseType is { } b) yield return ($"{type} base", b);
            foreach (var i in type.GetInterfaces()) yield return ($"{type} implements", i);
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var m in type.GetMethods(flags))
            {
                yield return ($"{type}.{m.Name} returns", m.ReturnType);
                foreach (var p in m.GetParameters()) yield return ($"{type}.{m.Name}({p.Name})", p.ParameterType);
            }
            foreach (var c in type.GetConstructors(flags))
                foreach (var p in c.GetParameters()) yield return ($"{type} constructor({p.Name})", p.ParameterType);
            foreach (var p in type.GetProperties(flags)) yield return ($"{type}.{p.Name}", p.PropertyType);
            foreach (var f in type.GetFields(flags)) yield return ($"{type}.{f.Name}", f.FieldType);
            foreach (var e in type.GetEvents(flags)) yield return ($"{type}.{e.Name}", e.EventHandlerType!);
        }
    }

    [Fact]
    public void No_public_signature_exposes_an_FSharp_or_core_type()
    {
        var leaks = PublicTypesUsed().Where(u => IsFSharp(u.Type)).Select(u => $"{u.Where}: {u.Type}").ToList();
        Assert.True(leaks.Count == 0, "F# types leak into the C# API:\n" + string.Join("\n", leaks));
    }

    [Fact]
    public void Every_public_member_is_documented()
    {
        var xmlPath = Path.ChangeExtension(Api.Location, ".xml");
        Assert.True(File.Exists(xmlPath), $"XML documentation file {xmlPath} is missing");
        var documented = System.Xml.Linq.XDocument.Load(xmlPath).Descendants("member")
            .Select(m => (string?)m.Attribute("name")).Where(n => n != null).ToHashSet();
        foreach (var type in Api.GetExportedTypes())
            Assert.True(documented.Contains("T:" + type.FullName!.Replace('+', '.')), $"{type} has no XML doc");
    }
}
