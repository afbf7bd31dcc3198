! Placement of Fortran arrays, on however many nodes there are (every
! test guest runs it): an array interleaved over all nodes and one bound
! to node 1, written, then checked page by page with move_pages(2) from
! helpers.c, and by the module's own check, counts and page map, which
! must agree; then migration, a heap's arrays, a best-bandwidth area and
! a copy into bound memory. Parts that need a node 1 or an HMAT check the
! error they give where these are missing.
program placement
  use, intrinsic :: iso_fortran_env, only: int32, int64, real64
  use aml
  use aml_test
  implicit none
  integer, parameter :: rows = 512, cols = 300 ! one column a 4 KiB page
  integer, allocatable :: nodes(:)
  type(aml_area) :: spread, bound
  real(real64), pointer :: a(:, :)
  integer(int32), pointer :: b(:, :, :)
  logical :: has_node1

  call aml_init()
  nodes = aml_nodes()
  has_node1 = any(nodes == 1)
  write(*, '(a, i0, a)') 'topology ' // topology() // ', ', size(nodes), &
       ' nodes'

  call aml_area_linux_create(spread, AML_AREA_LINUX_POLICY_INTERLEAVE)
  call interleaved(spread, a)
  if (has_node1) then
    call aml_area_linux_create(bound, AML_AREA_LINUX_POLICY_BIND, nodes=[1])
    call bound_to_1(bound, b)
    call migrated(bound, a)
    call on_heap(bound)
    call copied(bound, a)
    call aml_area_munmap(bound, b)
    call aml_area_destroy(bound)
  else
    call no_node1()
  end if
  call aml_area_munmap(spread, a)
  call check(.not. associated(a), 'unmapped and disassociated')
  call aml_area_destroy(spread)
  call best_memory()
  call aml_finalize()
  deallocate(nodes)

contains

  ! The module's counts and page map say what move_pages(2) said.
  subroutine agrees(x, status, policy)
    class(*), dimension(..), target, intent(in) :: x
    integer, intent(in) :: status(:)
    character(len=*), intent(in) :: policy
    type(aml_linux_placement) :: p
    character(len=:), allocatable :: map
    integer :: i, top

    call aml_linux_inspect(x, p)
    top = ubound(p%node_pages, 1)
    call check(p%npages == size(status), 'inspect: pages')
    call check(p%unplaced == 0 .and. p%errors == 0, 'inspect: all placed')
    call check(all(p%node_pages == counts_of(status, top)), 'inspect: counts')
    call check(p%policy_name == policy, 'inspect: policy ' // p%policy_name)
    call aml_linux_page_map(x, map)
    call check(len(map) == size(status), 'page map: length')
    do i = 1, size(status)
      call check(iachar(map(i:i)) - iachar('0') == status(i), 'page map: page')
    end do
    write(*, '(a)') '  ' // policy // ' over ' // p%policy_nodes // &
         ', map ' // map(1:min(32, len(map)))
  end subroutine agrees

  subroutine interleaved(area, x)
    type(aml_area), intent(in) :: area
    real(real64), pointer, intent(out) :: x(:, :)
    integer, allocatable :: status(:)

    call aml_area_mmap(area, x, [rows, cols])
    call check(size(x, 1) == rows .and. size(x, 2) == cols, 'interleave: shape')
    call no_thp(x)
    x = 1.5_real64
    status = page_nodes(x)
    call check(round_robin(status, nodes), 'interleave: round-robin')
    call check(aml_area_linux_check_binding(area, x), 'interleave: check')
    write(*, '(a, i0, a)') 'interleave: ', size(status), ' pages'
    call agrees(x, status, 'interleave')
  end subroutine interleaved

  subroutine bound_to_1(area, x)
    type(aml_area), intent(in) :: area
    integer(int32), pointer, intent(out) :: x(:, :, :)
    integer, allocatable :: status(:)

    call aml_area_mmap(area, x, [64, 32, 50], lower=[0, 0, -1])
    call check(all(lbound(x) == [0, 0, -1]), 'bind: lower bounds')
    x = 7
    status = page_nodes(x)
    call check(all_on(status, 1), 'bind: every page on node 1')
    call check(aml_area_linux_check_binding(area, x), 'bind: check')
    write(*, '(a, i0, a)') 'bind: ', size(status), ' pages on node 1'
    call agrees(x, status, 'bind')
  end subroutine bound_to_1

  ! The interleaved array moves, whole, to node 1, keeping its values.
  subroutine migrated(area, x)
    type(aml_area), intent(in) :: area
    real(real64), pointer, intent(in) :: x(:, :)
    integer(int64) :: moved, failed, off_node1

    off_node1 = count(page_nodes(x) /= 1)
    call aml_area_linux_migrate(area, x, moved, failed)
    call check(all_on(page_nodes(x), 1), 'migrate: every page on node 1')
    call check(moved == off_node1 .and. failed == 0, 'migrate: counts')
    call check(all(x == 1.5_real64), 'migrate: values kept')
    call check(aml_area_linux_check_binding(area, x), 'migrate: check')
    write(*, '(a, i0, a)') 'migrate: ', moved, ' pages moved to node 1'
  end subroutine migrated

  subroutine on_heap(area)
    type(aml_area), intent(in) :: area
    type(aml_allocator) :: heap
    complex(real64), pointer :: z(:), w(:, :)

    call aml_allocator_heap_create(heap, area)
    call aml_alloc(heap, z, [10000])
    call aml_alloc(heap, w, [3, 5])
    z = (1.0_real64, -1.0_real64)
    w = reshape(z(1:15), [3, 5])
    call check(all_on(page_nodes(z), 1), 'heap: vector on node 1')
    call check(all_on(page_nodes(w), 1), 'heap: matrix on node 1')
    call aml_free(heap, z)
    call aml_free(heap, w)
    call aml_allocator_heap_destroy(heap)
    write(*, '(a)') 'heap: objects on node 1'
  end subroutine on_heap

  ! A copy engine fills a bound array from the interleaved one.
  subroutine copied(area, src)
    type(aml_area), intent(in) :: area
    real(real64), pointer, intent(in) :: src(:, :)
    type(aml_dma) :: dma
    real(real64), pointer :: dst(:, :)

    call aml_dma_linux_create(dma, 2)
    call aml_area_mmap(area, dst, shape(src))
    call aml_dma_copy(dma, dst, src)
    call check(all(dst == src), 'copy: values')
    call check(all_on(page_nodes(dst), 1), 'copy: destination on node 1')
    call aml_area_munmap(area, dst)
    call aml_dma_linux_destroy(dma)
    write(*, '(a)') 'copy: destination on node 1'
  end subroutine copied

  ! One node: node 1 is refused, with its reason.
  subroutine no_node1()
    type(aml_area) :: area
    integer :: stat
    character(len=200) :: msg

    call aml_area_linux_create(area, AML_AREA_LINUX_POLICY_BIND, nodes=[1], &
         stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EDOM, 'may allocate on nodes', 'bind to 1')
    write(*, '(a)') 'bind: no node 1 here, refused'
  end subroutine no_node1

  ! The highest-bandwidth memory from CPU 0, where the machine tells
  ! (vmhmat); elsewhere, a clear AML_ENOTSUP.
  subroutine best_memory()
    type(aml_area) :: area
    integer(int64), pointer :: x(:)
    integer :: stat, expect
    character(len=200) :: msg

    expect = best_bandwidth(0)
    call aml_area_hwloc_create_best(area, AML_AREA_HWLOC_BANDWIDTH, &
         initiator=[0], stat=stat, errmsg=msg)
    if (expect < 0) then
      call check_failed(stat, msg, AML_ENOTSUP, 'bandwidth', 'best bandwidth')
      return
    end if
    call check(stat == 0, 'best bandwidth: ' // trim(msg))
    call aml_area_mmap(area, x, [100000])
    x = 3
    call check(all_on(page_nodes(x), expect), 'best bandwidth: pages')
    write(*, '(a, i0)') 'best bandwidth from CPU 0: node ', expect
    call aml_area_munmap(area, x)
    call aml_area_destroy(area)
  end subroutine best_memory

end program placement
