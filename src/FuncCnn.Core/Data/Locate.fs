namespace FuncCnn.Core.Data

open FuncCnn

open FuncCnn.Core
open System
open System.IO
/// What a dataset looks like on disk and how to get it.
type DataSpec =
    { /// The folder name under a datasets root ("mnist", "fashion-mnist", "quickdraw").
      Name: string
      /// True when a folder holds the dataset's files.
      IsPresent: string -> bool
      /// What a folder must hold, for the error message.
      Expects: string
      /// Fixed system folders to try last (e.g. a Debian package's folder).
      SystemFolders: string list
      /// How to get the data, for the error message.
      HowToGet: string }

/// The parts of the outside world the locator reads, so tests can supply their own.
type LocatorEnvironment =
    { WorkingDirectory: string
      GetVariable: string -> string option }

/// Finds a dataset's folder: an explicit path always wins; otherwise $FUNCCNN_DATA/<name>,
/// then ../shared/datasets/<name> next to the repository root above the working directory,
/// then the spec's system folders. Failing that, the error lists every place looked.
module DataLocator =
    /// The environment variable naming a datasets root (a folder with one folder per dataset).
    [<Literal>]
    let Variable = "FUNCCNN_DATA"

    /// The environment variable that moves the system folders: $FUNCCNN_SYSTEM_DATA/fashion-mnist
    /// is searched instead of /usr/share/datasets/fashion-mnist (tests point it at an empty folder,
    /// so whether this machine has the Debian package does not change their outcome).
    [<Literal>]
    let SystemVariable = "FUNCCNN_SYSTEM_DATA"

    /// The real environment: the process's working directory and environment variables.
    let environment () =
        { WorkingDirectory = Directory.GetCurrentDirectory()
          GetVariable = fun v -> match Environment.GetEnvironmentVariable v with null | "" -> None | s -> Some s }

    /// The nearest folder at or above dir that holds FuncCnn.sln or .git.
    let repoRoot (dir: string) =
        let rec up (d: DirectoryInfo) =
            if isNull d then None
            elif File.Exists(Path.Combine(d.FullName, "FuncCnn.sln")) || Directory.Exists(Path.Combine(d.FullName, ".git"))
                 || File.Exists(Path.Combine(d.FullName, ".git")) then Some d.FullName
            else up d.Parent
        up (DirectoryInfo dir)

    /// Every place to look, in order, each with where it came from.
    let candidates (env: LocatorEnvironment) (spec: DataSpec) (explicitPath: string option) : (string * string) list =
        match explicitPath with
        | Some p -> [ Path.GetFullPath(p, env.WorkingDirectory), "the explicit path" ]
        | None ->
            [ match env.GetVariable Variable with
              | Some root -> yield Path.GetFullPath(Path.Combine(root, spec.Name), env.WorkingDirectory), sprintf "$%s/%s" Variable spec.Name
              | None -> ()
              match repoRoot env.WorkingDirectory with
              | Some root -> yield Path.GetFullPath(Path.Combine(root, "..", "shared", "datasets", spec.Name)), "../shared/datasets next to the repository root"
              | None -> ()
              match env.GetVariable SystemVariable with
              | Some root -> for f in spec.SystemFolders -> Path.GetFullPath(Path.Combine(root, Path.GetFileName f), env.WorkingDirectory), sprintf "$%s/%s" SystemVariable (Path.GetFileName f)
              | None -> for f in spec.SystemFolders -> f, "the system folder" ]

    /// The first candidate folder that holds the dataset, or an error message listing every
    /// place looked and how to get the data.
    let locateIn (env: LocatorEnvironment) (spec: DataSpec) (explicitPath: string option) : Result<string, string> =
        let places = candidates env spec explicitPath
        match places |> List.tryFind (fun (p, _) -> Directory.Exists p && spec.IsPresent p) with
        | Some(p, _) -> Ok p
        | None ->
            let looked =
                places
                |> List.map (fun (p, why) -> sprintf "  %s (%s)%s" p why (if Directory.Exists p then ": the folder lacks the files" else ": no such folder"))
            let noVar = if explicitPath.IsNone && (env.GetVariable Variable).IsNone then [ sprintf "  ($%s is not set)" Variable ] else []
            let noRepo =
                if explicitPath.IsNone && (repoRoot env.WorkingDirectory).IsNone then
                    [ sprintf "  (no FuncCnn repository above %s, so ../shared/datasets/%s could not be searched)" env.WorkingDirectory spec.Name ]
                else []
            Error(
                sprintf "dataset %s not found. Expected %s. Looked in:\n%s\nTo get it: %s"
                    spec.Name spec.Expects (String.Join("\n", looked @ noVar @ noRepo)) spec.HowToGet)

    /// locateIn with the real environment.
    let locate (spec: DataSpec) (explicitPath: string option) = locateIn (environment ()) spec explicitPath

    /// The dataset's folder, or a DataFormatException carrying the message of locate.
    let require (spec: DataSpec) (explicitPath: string option) =
        match locate spec explicitPath with
        | Ok p -> p
        | Error msg -> raise (DataFormatException(defaultArg explicitPath spec.Name, msg))
