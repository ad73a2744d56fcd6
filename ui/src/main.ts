import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { openBackend } from "./lib/backend";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");
void openBackend().then((backend) => mount(App, { target, props: { backend } }));
