/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_api.h - the fuzz target's entry point and its per-API call counters (one per
 * function of csrc/ptlib.h, in the header's order).
 */
#ifndef PTLIB_FUZZ_API_H
#define PTLIB_FUZZ_API_H
#include <stddef.h>
#include <stdint.h>

#define FZ_APIS(X) \
    X(pt_machine_new) \
    X(pt_machine_free) \
    X(pt_arena_pooled) \
    X(pt_root) \
    X(pt_ncpus) \
    X(pt_op) \
    X(pt_machine_kernel_body) \
    X(pt_read_phys) \
    X(pt_write_phys) \
    X(pt_get_stats) \
    X(pt_frame_info_get) \
    X(pt_fail_nth) \
    X(pt_fail_nth_pending) \
    X(pt_alloc_data_page) \
    X(pt_free_data_page) \
    X(pt_site_name) \
    X(pt_owner_name) \
    X(pt_fault_attr_set) \
    X(pt_fault_attr_get) \
    X(pt_fault_info_get) \
    X(pt_fault_log_count) \
    X(pt_fault_log_get) \
    X(pt_fault_log_clear) \
    X(pt_site_gfp) \
    X(pt_alloc_policy_set) \
    X(pt_quarantined) \
    X(pt_mtrr_add) \
    X(pt_mtrr_set_default) \
    X(pt_ioremap_page_range) \
    X(pt_unmap_kernel_range) \
    X(pt_unmap_kernel_range_noflush) \
    X(pt_pmd_set_huge) \
    X(pt_pud_set_huge) \
    X(pt_pmd_clear_huge) \
    X(pt_pud_clear_huge) \
    X(pt_pmd_free_pte_page) \
    X(pt_pud_free_pmd_page) \
    X(pt_flush_tlb_kernel_range) \
    X(pt_flush_tlb_all) \
    X(pt_flush_tlb_kernel_pgtable_range) \
    X(pt_run_deferred_work) \
    X(pt_ioremap) \
    X(pt_iounmap) \
    X(pt_purge_vmap_area_lazy) \
    X(pt_mmap_write_lock) \
    X(pt_mmap_write_locked) \
    X(pt_cpu_access) \
    X(pt_cpu_access1) \
    X(pt_cpu_last_error) \
    X(pt_cpu_translate_many) \
    X(pt_cpu_speculate) \
    X(pt_cpu_invlpg) \
    X(pt_cpu_write_cr3) \
    X(pt_cpu_invpcid) \
    X(pt_cpu_flush_all) \
    X(pt_cpu_set_cr4) \
    X(pt_cpu_state_get) \
    X(pt_cpu_tlb_entries) \
    X(pt_cpu_psc_entries) \
    X(pt_walk) \
    X(pt_mappings) \
    X(pt_mappings_limit) \
    X(pt_ptdump) \
    X(pt_census) \
    X(pt_flush_count) \
    X(pt_flush_get) \
    X(pt_report_count) \
    X(pt_report_get) \
    X(pt_reports_clear) \
    X(pt_reports_dropped) \
    X(pt_cpu_stats_get) \
    X(pt_event_count) \
    X(pt_events_get) \
    X(pt_check_leaks) \
    X(pt_deferred_count) \
    X(pt_deferred_is_pending) \
    X(pt_deferred_list) \
    X(pt_iommu_inval_count) \
    X(pt_iommu_inval_get) \
    X(pt_vmap_lazy_nr) \
    X(pt_lazy_max_pages) \
    X(pt_vm_areas) \
    X(pt_probe_set) \
    X(pt_probe_get) \
    X(pt_bench_pte_loop) \
    X(pt_bench_pte_loop2) \
    X(pt_bench_ioremap) \
    X(pt_bench_translate_many) \
    X(pt_bench_chase) \
    X(pt_bench_machine_cycle) \
    X(pt_bench_ioremap_cycles) \
    X(pt_bench_pud_free)

enum {
#define X(name) FZ_##name,
    FZ_APIS(X)
#undef X
    FZ_NR
};

extern const char *const fuzz_api_names[FZ_NR];
extern uint64_t fuzz_counters[FZ_NR];
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
