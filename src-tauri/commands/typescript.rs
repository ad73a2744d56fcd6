//! The War Room's typed wrappers of the app's commands (`ui/src/lib/backend/commands.ts`),
//! generated from the command definitions themselves: every `#[tauri::command]` function of
//! this folder, its arguments (without `State` and `AppHandle`) and what it answers, read with
//! syn and written with the TypeScript names that `types/core.ts` (ts-rs) gives the Rust types.
//! A test fails when the committed file is stale or a command is missing from `list.rs`;
//! `MITEOS_BLESS=1 cargo test --workspace --lib -- commands_ts` rewrites the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use syn::{FnArg, GenericArgument, Item, Pat, PathArguments, ReturnType, Type};

/// One command as the window calls it.
struct Command {
    name: String,
    /// (argument name as Tauri takes it, its TypeScript type)
    args: Vec<(String, String)>,
    answer: String,
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The TypeScript type of a Rust type, collecting the named types it uses.
fn ts(ty: &Type, named: &mut BTreeSet<String>) -> String {
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => "void".into(),
        Type::Reference(r) => ts(&r.elem, named),
        Type::Path(p) => {
            let last = p.path.segments.last().expect("a type has a name");
            let args: Vec<String> = match &last.arguments {
                PathArguments::AngleBracketed(a) => a
                    .args
                    .iter()
                    .filter_map(|g| match g {
                        GenericArgument::Type(t) => Some(ts(t, named)),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let name = last.ident.to_string();
            match name.as_str() {
                "String" | "PathBuf" | "str" => "string".into(),
                "bool" => "boolean".into(),
                "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "f32"
                | "f64" => "number".into(),
                "Option" => format!("{} | null", args[0]),
                "Vec" => format!("Array<{}>", args[0]),
                _ => {
                    named.insert(name.clone());
                    if args.is_empty() {
                        name
                    } else {
                        format!("{name}<{}>", args.join(", "))
                    }
                }
            }
        }
        other => panic!("no TypeScript type for {}", quote_type(other)),
    }
}

fn quote_type(ty: &Type) -> String {
    use quote::ToTokens;
    ty.to_token_stream().to_string()
}

/// The commands defined in one file of this folder.
fn commands_in(path: &Path, named: &mut BTreeSet<String>) -> Vec<Command> {
    let text = std::fs::read_to_string(path).expect("reading a commands file");
    let file = syn::parse_file(&text).expect("a commands file parses");
    let mut out = Vec::new();
    for item in file.items {
        let Item::Fn(f) = item else { continue };
        let is_command = f.attrs.iter().any(|a| {
            let p = a.path();
            p.segments.last().is_some_and(|s| s.ident == "command")
                && p.segments.iter().any(|s| s.ident == "tauri")
        });
        if !is_command {
            continue;
        }
        let mut args = Vec::new();
        for input in &f.sig.inputs {
            let FnArg::Typed(arg) = input else { continue };
            let Pat::Ident(id) = arg.pat.as_ref() else {
                continue;
            };
            let ty = quote_type(&arg.ty);
            if ty.starts_with("State") || ty.contains("AppHandle") {
                continue;
            }
            args.push((camel(&id.ident.to_string()), ts(&arg.ty, named)));
        }
        let answer = match &f.sig.output {
            ReturnType::Default => "void".into(),
            ReturnType::Type(_, ty) => match ty.as_ref() {
                Type::Path(p) if p.path.segments.last().unwrap().ident == "CommandResult" => {
                    let PathArguments::AngleBracketed(a) =
                        &p.path.segments.last().unwrap().arguments
                    else {
                        panic!("CommandResult takes a type")
                    };
                    match a.args.first() {
                        Some(GenericArgument::Type(t)) => ts(t, named),
                        _ => panic!("CommandResult takes a type"),
                    }
                }
                other => ts(other, named),
            },
        };
        out.push(Command {
            name: f.sig.ident.to_string(),
            args,
            answer,
        });
    }
    out
}

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src-tauri/commands")
}

/// The contents of `ui/src/lib/backend/commands.ts`, and the command names found.
fn typescript() -> (String, Vec<String>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder())
        .expect("the commands folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut named = BTreeSet::new();
    let commands: Vec<Command> = files
        .iter()
        .flat_map(|f| commands_in(f, &mut named))
        .collect();
    let core = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/types/core.ts"),
    )
    .expect("the UI's generated types");
    let (mut from_core, mut from_backend) = (Vec::new(), Vec::new());
    for name in named.iter().filter(|n| *n != "Channel") {
        if core.contains(&format!("export type {name} "))
            || core.contains(&format!("export type {name}<"))
        {
            from_core.push(name.clone());
        } else {
            from_backend.push(name.clone());
        }
    }
    let mut out = String::from(
        "// Generated from the app's command definitions (src-tauri/commands/*.rs) by\n\
         // src-tauri/commands/typescript.rs. Do not edit: run\n\
         // `MITEOS_BLESS=1 cargo test --workspace --lib -- commands_ts` after changing a command.\n\
         import { type Channel, invoke } from \"@tauri-apps/api/core\";\n",
    );
    if !from_core.is_empty() {
        out.push_str(&format!(
            "import type {{ {} }} from \"../types/core\";\n",
            from_core.join(", ")
        ));
    }
    if !from_backend.is_empty() {
        out.push_str(&format!(
            "import type {{ {} }} from \"./backend\";\n",
            from_backend.join(", ")
        ));
    }
    out.push_str("\n/** Every command of the app, typed as its Rust definition. */\nexport const commands = {\n");
    for c in &commands {
        let params: Vec<String> = c.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        let keys: Vec<&str> = c.args.iter().map(|(n, _)| n.as_str()).collect();
        let call = if keys.is_empty() {
            format!("invoke<{}>(\"{}\")", c.answer, c.name)
        } else {
            format!(
                "invoke<{}>(\"{}\", {{ {} }})",
                c.answer,
                c.name,
                keys.join(", ")
            )
        };
        out.push_str(&format!(
            "  {}: ({}): Promise<{}> => {call},\n",
            camel(&c.name),
            params.join(", "),
            c.answer
        ));
    }
    out.push_str("};\n");
    (out, commands.into_iter().map(|c| c.name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! listed_names {
        ($($module:ident: $($command:ident),+;)+) => {
            vec![$($(stringify!($command)),+),+]
        };
    }

    #[test]
    fn commands_ts_matches_the_command_definitions() {
        let (generated, names) = typescript();
        let mut listed: Vec<&str> = app_commands!(listed_names);
        listed.sort();
        let mut defined: Vec<&str> = names.iter().map(String::as_str).collect();
        defined.sort();
        assert_eq!(
            defined, listed,
            "every #[tauri::command] must be in src-tauri/commands/list.rs, and only those"
        );
        miteos_core::bindings::bless_or_compare(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/backend/commands.ts"),
            &generated,
            "MITEOS_BLESS=1 cargo test --workspace --lib -- commands_ts",
        );
    }
}
