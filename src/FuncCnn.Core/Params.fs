namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
/// Parameters as one immutable, named tree (JAX pytrees): gradients, optimizer state, saving,
/// filter pictures and freezing all work on it. Children keep their insertion order (layer order).
type ParamTree =
    | Leaf of Tensor
    | Branch of (string * ParamTree) list

module ParamTree =
    let empty = Branch []

    /// Every leaf with its slash-separated path ("conv2d/kernel"), in tree order.
    let leaves (tree: ParamTree) : (string * Tensor) list =
        let rec go prefix tree acc =
            match tree with
            | Leaf t -> (prefix, t) :: acc
            | Branch children ->
                List.foldBack (fun (name, child) acc -> go (if prefix = "" then name else prefix + "/" + name) child acc) children acc
        go "" tree []

    /// The same structure with every leaf transformed.
    let rec map (f: Tensor -> Tensor) (tree: ParamTree) =
        match tree with
        | Leaf t -> Leaf(f t)
        | Branch children -> Branch(children |> List.map (fun (n, c) -> n, map f c))

    /// Like map, with each leaf's path.
    let mapWithPath (f: string -> Tensor -> Tensor) (tree: ParamTree) =
        let rec go prefix tree =
            match tree with
            | Leaf t -> Leaf(f prefix t)
            | Branch children -> Branch(children |> List.map (fun (n, c) -> n, go (if prefix = "" then n else prefix + "/" + n) c))
        go "" tree

    /// Combines two trees of the same structure leaf by leaf.
    let map2 (f: Tensor -> Tensor -> Tensor) (a: ParamTree) (b: ParamTree) =
        let rec go path a b =
            match a, b with
            | Leaf x, Leaf y -> Leaf(f x y)
            | Branch xs, Branch ys when List.length xs = List.length ys ->
                Branch(List.map2 (fun (n, x) (m, y) ->
                    if n <> m then Fail.shape "parameter trees differ at %s: '%s' vs '%s'" path n m
                    n, go (path + "/" + n) x y) xs ys)
            | _ -> Fail.shape "parameter trees differ in structure at '%s'" (if path = "" then "/" else path)
        go "" a b

    /// Rebuilds a tree from its leaves in tree order (the inverse of `leaves` for a given structure).
    let withLeaves (tensors: Tensor seq) (tree: ParamTree) =
        use e = tensors.GetEnumerator()
        let next () =
            if not (e.MoveNext()) then Fail.shape "withLeaves: fewer tensors than leaves"
            e.Current
        let rec go tree =
            match tree with
            | Leaf _ -> Leaf(next ())
            | Branch children -> Branch(children |> List.map (fun (n, c) -> n, go c))
        let result = go tree
        if e.MoveNext() then Fail.shape "withLeaves: more tensors than leaves"
        result

    /// Builds a tree from slash-separated paths, keeping first-seen order.
    let ofList (items: (string * Tensor) list) =
        let rec build (items: (string list * Tensor) list) =
            match items with
            | [ ([], t) ] -> Leaf t
            | _ ->
                let names = items |> List.map (fun (p, _) -> match p with n :: _ -> n | [] -> Fail.shape "ofList: a path is both a leaf and a branch") |> List.distinct
                Branch(names |> List.map (fun n -> n, items |> List.choose (fun (p, t) -> if List.head p = n then Some(List.tail p, t) else None) |> build))
        items |> List.map (fun (p, t) -> List.ofArray (p.Split '/'), t) |> build

    /// The subtree or leaf at a path, if any.
    let tryFind (path: string) (tree: ParamTree) =
        let rec go parts tree =
            match parts, tree with
            | [], t -> Some t
            | p :: rest, Branch children -> children |> List.tryFind (fun (n, _) -> n = p) |> Option.bind (fun (_, c) -> go rest c)
            | _, Leaf _ -> None
        go (if path = "" then [] else List.ofArray (path.Split '/')) tree

    /// The tensor at a path, or an error listing the paths there are.
    let find (path: string) (tree: ParamTree) =
        match tryFind path tree with
        | Some(Leaf t) -> t
        | _ -> Fail.value "no parameter '%s'; the tree has: %s" path (leaves tree |> List.map fst |> String.concat ", ")

    /// Total number of scalar parameters.
    let count (tree: ParamTree) = leaves tree |> List.sumBy (fun (_, t) -> t.Numel)
