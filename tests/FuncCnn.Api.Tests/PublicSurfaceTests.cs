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

    /// <summary>The XML documentation ID of a type as it appears in a member's signature.</summary>
    private static string DocTypeName(Type t)
    {
        if (t.IsByRef) return DocTypeName(t.GetElementType()!) + "@";
        if (t.IsPointer) return DocTypeName(t.GetElementType()!) + "*";
        if (t.IsArray)
        {
            var rank = t.GetArrayRank();
            return DocTypeName(t.GetElementType()!) + (rank == 1 ? "[]" : "[" + string.Join(",", Enumerable.Repeat("0:", rank)) + "]");
        }
        if (t.IsGenericParameter) return (t.DeclaringMethod is null ? "`" : "``") + t.GenericParameterPosition;
        var name = (t.IsGenericType ? t.GetGenericTypeDefinition().FullName! : t.FullName!).Replace('+', '.');
        if (!t.IsGenericType || t.IsGenericTypeDefinition) return name;
        var open = name[..name.IndexOf('`')];
        return open + "{" + string.Join(",", t.GetGenericArguments().Select(DocTypeName)) + "}";
    }

    private static string DocParameters(ParameterInfo[] ps) =>
        ps.Length == 0 ? "" : "(" + string.Join(",", ps.Select(p => DocTypeName(p.ParameterType))) + ")";

    /// <summary>Every public or protected member a caller can see, with its XML documentation ID
    /// (T:, M:, P:, F:, E:). Compiler-generated members (record Equals, accessors, operators) are left out.</summary>
    private static IEnumerable<string> VisibleMemberIds()
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;
        static bool Generated(MemberInfo m) => m.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false);
        foreach (var type in Api.GetExportedTypes())
        {
            var typeId = DocTypeName(type.IsGenericType ? type.GetGenericTypeDefinition() : type);
            yield return "T:" + typeId;
            if (typeof(Delegate).IsAssignableFrom(type)) continue;
            // the record copy constructor, and the parameterless constructor C# adds to a class that
            // declares none, have no source to document
            var constructors = type.GetConstructors(flags)
                .Where(c => Visible(c) && !Generated(c) && !(IsRecord(type) && c.GetParameters() is [var only] && only.ParameterType == type))
                .ToList();
            if (constructors is [var sole] && sole.GetParameters().Length == 0) constructors.Clear();
            foreach (var c in constructors)
                yield return $"M:{typeId}.#ctor{DocParameters(c.GetParameters())}";
            foreach (var m in type.GetMethods(flags).Where(m => Visible(m) && !m.IsSpecialName && !Generated(m)))
            {
                var generic = m.IsGenericMethod ? "``" + m.GetGenericArguments().Length : "";
                yield return $"M:{typeId}.{m.Name}{generic}{DocParameters(m.GetParameters())}";
            }
            foreach (var p in type.GetProperties(flags).Where(p => (p.GetMethod ?? p.SetMethod) is { } a && Visible(a) && !Generated(p)))
            {
                if (p.Name == "EqualityContract") continue;
                yield return $"P:{typeId}.{p.Name}{DocParameters(p.GetIndexParameters())}";
            }
            foreach (var f in type.GetFields(flags).Where(f => (f.IsPublic || f.IsFamily) && !f.IsSpecialName && !Generated(f)))
                yield return $"F:{typeId}.{f.Name}";
            foreach (var e in type.GetEvents(flags).Where(e => e.AddMethod is { } a && Visible(a)))
                yield return $"E:{typeId}.{e.Name}";
        }
    }

    private static bool IsRecord(Type t) => t.GetMethod("<Clone>$") is not null || t.GetProperty("EqualityContract", BindingFlags.NonPublic | BindingFlags.Instance) is not null;

    [Fact]
    public void Every_public_member_is_documented()
    {
        var xmlPath = Path.ChangeExtension(Api.Location, ".xml");
        Assert.True(File.Exists(xmlPath), $"XML documentation file {xmlPath} is missing");
        var documented = System.Xml.Linq.XDocument.Load(xmlPath).Descendants("member")
            .Select(m => (string?)m.Attribute("name")).OfType<string>().ToHashSet();
        var members = VisibleMemberIds().ToList();
        Assert.Contains(members, id => id.StartsWith("M:", StringComparison.Ordinal)); // the walk sees members, not only types
        var missing = members.Where(id => !documented.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} public members have no XML doc:\n" + string.Join("\n", missing));
    }
}
