# The library's mmap(2) and munmap(2) calls go through the target's
# wrappers, which keep the set of mappings it holds.
target_link_options(fuzz_linux_area PRIVATE -Wl,--wrap=mmap -Wl,--wrap=munmap)
