// checks is an ordinary C++ program that the exec tests build with
// g++ -static and boot unmodified: exceptions (thrown, caught, and carried
// from a thread with std::exception_ptr), std::thread, std::mutex,
// std::map, a global constructor. It exits 0 when all went as natively.
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

static int failed;

static void check(bool ok, const std::string &what) {
	if (!ok) {
		std::printf("FAIL: %s\n", what.c_str());
		failed = 1;
	}
}

struct Global {
	std::string greeting;
	Global() : greeting("constructed before main") {}
};
static Global global;

struct Bad : std::runtime_error {
	int code;
	Bad(const std::string &what, int code) : std::runtime_error(what), code(code) {}
};

static int deep(int n) {
	if (n == 0)
		throw Bad("thrown from the bottom", 17);
	std::string keep(100, 'x'); // a destructor to run while unwinding
	return deep(n - 1) + static_cast<int>(keep.size());
}

int main(int argc, char **argv) {
	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	std::printf("global: %s\n", global.greeting.c_str());
	std::printf("argv[0]=%s argc=%d\n", argv[0], argc);

	try {
		deep(50);
		check(false, "no exception");
	} catch (const Bad &e) {
		std::printf("caught: %s code=%d\n", e.what(), e.code);
		check(e.code == 17, "the exception's code");
	}

	std::map<std::string, int> words;
	std::mutex mu;
	std::vector<std::thread> threads;
	std::vector<std::exception_ptr> errors(6);
	for (int i = 0; i < 6; i++) {
		threads.emplace_back([&, i] {
			std::map<std::string, int> local;
			for (int j = 0; j < 5000; j++)
				local["w" + std::to_string((i * 5000 + j) % 1000)]++;
			{
				std::lock_guard<std::mutex> lock(mu);
				for (auto &kv : local)
					words[kv.first] += kv.second;
			}
			try {
				if (i % 2 == 1)
					throw std::out_of_range("thread " + std::to_string(i));
			} catch (...) {
				errors[i] = std::current_exception();
			}
		});
	}
	for (auto &t : threads)
		t.join();
	int total = 0;
	for (auto &kv : words)
		total += kv.second;
	std::printf("threads: %zu words, %d counted, first %s=%d\n", words.size(), total,
	            words.begin()->first.c_str(), words.begin()->second);
	check(words.size() == 1000 && total == 30000 && words["w0"] == 30, "the merged map");

	int rethrown = 0;
	for (auto &e : errors) {
		if (!e)
			continue;
		try {
			std::rethrow_exception(e);
		} catch (const std::out_of_range &ex) {
			std::printf("rethrown from a thread: %s\n", ex.what());
			rethrown++;
		}
	}
	check(rethrown == 3, "3 exceptions carried from threads");
	std::printf(failed ? "C++ checks failed\n" : "C++ checks passed\n");
	return failed;
}
