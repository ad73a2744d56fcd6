// Baseline for docs/benchmarks.md: the same vendored llama.cpp that Miteos embeds, driven from
// C++ with no Rust in between. Measures prompt processing of 512 tokens in one batch and greedy
// generation of 128 tokens, like llama-bench's pp512/tg128 (llama-bench itself is not part of the
// source that llama-cpp-sys-2 vendors). Usage: llama-baseline MODEL.gguf [THREADS]
#include "llama.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int main(int argc, char ** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MODEL.gguf [THREADS]\n", argv[0]);
        return 2;
    }
    const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
    const int n_prompt = 512;
    const int n_gen = 128;
    const int runs = 5;

    llama_log_set([](ggml_log_level, const char *, void *) {}, nullptr);
    llama_backend_init();
    llama_model * model = llama_model_load_from_file(argv[1], llama_model_default_params());
    if (model == nullptr) {
        std::fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

    std::vector<double> pp, tg;
    for (int run = 0; run <= runs; run++) {
        llama_context_params params = llama_context_default_params();
        params.n_ctx = n_prompt + n_gen + 64;
        params.n_batch = n_prompt;
        params.n_ubatch = n_prompt;
        params.n_threads = threads;
        params.n_threads_batch = threads;
        llama_context * ctx = llama_init_from_model(model, params);

        // Arbitrary but fixed tokens, as llama-bench uses.
        std::vector<llama_token> prompt(n_prompt);
        for (int i = 0; i < n_prompt; i++) {
            prompt[i] = (llama_token) ((i * 7919 + 13) % n_vocab);
        }
        auto start = std::chrono::steady_clock::now();
        if (llama_decode(ctx, llama_batch_get_one(prompt.data(), n_prompt)) != 0) {
            return 1;
        }
        const double t_pp = seconds_since(start);

        llama_sampler * greedy = llama_sampler_init_greedy();
        start = std::chrono::steady_clock::now();
        for (int i = 0; i < n_gen; i++) {
            llama_token token = llama_sampler_sample(greedy, ctx, -1);
            if (llama_decode(ctx, llama_batch_get_one(&token, 1)) != 0) {
                return 1;
            }
        }
        const double t_tg = seconds_since(start);
        llama_sampler_free(greedy);
        llama_free(ctx);
        if (run > 0) {  // the first run warms up
            pp.push_back(n_prompt / t_pp);
            tg.push_back(n_gen / t_tg);
        }
    }
    std::sort(pp.begin(), pp.end());
    std::sort(tg.begin(), tg.end());
    std::printf("llama.cpp baseline · %d threads: pp%d %.0f tokens/s, tg%d %.1f tokens/s (median of %d)\n",
                threads, n_prompt, pp[pp.size() / 2], n_gen, tg[tg.size() / 2], runs);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
