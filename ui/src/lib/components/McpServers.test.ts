import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { mockBackend } from "../../test/fixtures";
import type { McpServer, McpServerState } from "../types/core";
import McpServers from "./McpServers.svelte";

const everything: McpServerState = {
  server: { name: "everything", command: "npx", args: ["-y", "@modelcontextprotocol/server-everything"], env: {}, url: null, trusted: false },
  tools: [
    { name: "everything__echo", description: "Echoes", read_only: true },
    { name: "everything__toggle-logging", description: "Toggles", read_only: false },
  ],
  error: null,
};

describe("McpServers", () => {
  it("lists servers with their tools, marking the ones that may change things", async () => {
    const broken: McpServerState = {
      server: { name: "broken", command: "/nope", args: [], env: {}, url: null, trusted: false },
      tools: [],
      error: "MCP server broken: cannot run /nope: No such file",
    };
    render(McpServers, { backend: mockBackend({ mcpServers: vi.fn(async () => [everything, broken]) }) });
    expect(await screen.findByText(/2 tools: echo, toggle-logging\*/)).toBeTruthy();
    expect(screen.getByText(/cannot run \/nope/)).toBeTruthy();
  });

  it("adds a stdio server from a command line with its environment", async () => {
    const saveMcpServers = vi.fn(async (servers: McpServer[]) => servers.map((server) => ({ server, tools: [], error: null })));
    const onchange = vi.fn();
    render(McpServers, { backend: mockBackend({ mcpServers: vi.fn(async () => [everything]), saveMcpServers }), onchange });
    await fireEvent.click(await screen.findByRole("button", { name: "+ Add MCP server" }));
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "files" } });
    await fireEvent.input(screen.getByLabelText("Command"), {
      target: { value: `npx -y @modelcontextprotocol/server-filesystem "/home/me/My Notes"` },
    });
    await fireEvent.input(screen.getByLabelText(/Environment/), { target: { value: "LOG=debug" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(saveMcpServers).toHaveBeenCalled());
    const saved = saveMcpServers.mock.calls[0]![0];
    expect(saved.map((s) => s.name)).toEqual(["everything", "files"]);
    expect(saved[1]).toEqual({
      name: "files", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/My Notes"],
      env: { LOG: "debug" }, url: null, trusted: false,
    });
    expect(onchange).toHaveBeenCalled();
  });

  it("removes a server and shows a refusal", async () => {
    const saveMcpServers = vi.fn(async () => {
      throw new Error("two MCP servers are called x");
    });
    render(McpServers, { backend: mockBackend({ mcpServers: vi.fn(async () => [everything]), saveMcpServers }) });
    await fireEvent.click(await screen.findByRole("button", { name: "Remove everything" }));
    expect(saveMcpServers).toHaveBeenCalledWith([]);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("two MCP servers"));
  });
});
