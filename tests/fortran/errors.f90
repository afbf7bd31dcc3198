! Bad input, with stat= and errmsg=: each call fails with the AML code it
! documents, a message naming the call, AML's message and what was wrong,
! changes nothing it was given (arrays stay disassociated, areas not
! created), and errmsg is left alone on success.
program errors
  use, intrinsic :: iso_fortran_env, only: int64, real64
  use aml
  use aml_test
  implicit none
  type(aml_area) :: area, none
  integer :: stat
  character(len=300) :: msg

  call areas()
  call aml_area_linux_create(area, AML_AREA_LINUX_POLICY_BIND, nodes='0')
  call shapes()
  call placement()
  call copies()
  call heaps()
  call hwloc_areas()
  call messages()
  call aml_area_destroy(area)
  write(*, '(a)') 'every bad input refused: ok'

contains

  subroutine areas()
    type(aml_area) :: a
    integer :: empty(0)

    call aml_area_linux_create(a, 42, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'policy 42', 'unknown policy')
    call aml_area_linux_create(a, AML_AREA_LINUX_POLICY_BIND, nodes=[5000], &
         stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EDOM, 'node 5000 is not a possible node number', 'node 5000')
    call aml_area_linux_create(a, AML_AREA_LINUX_POLICY_BIND, nodes=[0, -1], &
         stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EDOM, 'node -1 is not a possible node number', 'node -1')
    call aml_area_linux_create(a, AML_AREA_LINUX_POLICY_BIND, nodes=[1000], &
         stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EDOM, 'this process may allocate on nodes', &
         'node 1000')
    call aml_area_linux_create(a, AML_AREA_LINUX_POLICY_INTERLEAVE, &
         nodes=empty, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'list is empty', 'empty list')
    call aml_area_linux_create(a, AML_AREA_LINUX_POLICY_BIND, nodes='0-x', &
         stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, '"0-x" is not a node list', '0-x')
    call aml_area_linux_create(a, AML_AREA_LINUX_POLICY_BIND, nodes='none', &
         stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'nodes "none"', 'no node')
    call aml_area_linux_create(a, AML_AREA_LINUX_POLICY_BIND, nodes=[0])
    call aml_area_linux_create(a, AML_AREA_LINUX_POLICY_BIND, stat=stat, &
         errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'exists already', 'created twice')
    call aml_area_destroy(a)
    call aml_area_destroy(a)
  end subroutine areas

  subroutine shapes()
    real(real64), pointer :: x(:, :)
    real(real64), target :: t(2, 2)

    x => t
    call aml_area_mmap(area, x, [10, -4], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, &
         'extent -4 in dimension 2 is negative', 'negative extent')
    call check(.not. associated(x), 'disassociated after a failure')
    call aml_area_mmap(area, x, [10], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, &
         'shape is of size 1, the rank of x is 2', 'shape too short')
    call aml_area_mmap(area, x, [1.0, 2.0], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'shape is not an integer array', &
         'real shape')
    call aml_area_mmap(area, x, [2, 2], lower=[1], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'lower is of size 1', 'lower')
    call aml_area_mmap(area, x, [huge(0_int64), 2_int64], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_ENOMEM, 'overflows', 'overflow')
    ! 8 PiB: more than the address space.
    call aml_area_mmap(area, x, [2_int64**20, 2_int64**30], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_ENOMEM, '9007199254740992 bytes', 'absurd')
    call check(.not. associated(x), 'still disassociated')
    call aml_area_mmap(none, x, [2, 2], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'the area was not created', &
         'area not created')
  end subroutine shapes

  subroutine placement()
    real(real64), pointer :: x(:, :)
    type(aml_linux_placement) :: p
    logical :: ok
    character(len=:), allocatable :: map

    call aml_area_mmap(area, x, [512, 8])
    x = 0
    ok = aml_area_linux_check_binding(area, x(1, :), stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'x is not contiguous', &
         'check a strided section')
    call check(.not. ok, 'a failed check is .false.')
    ok = aml_area_linux_check_binding(none, x, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not created', 'check: no area')
    call aml_linux_inspect(x(2, :), p, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not contiguous', 'inspect')
    call aml_linux_page_map(x(1:2, :), map, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not contiguous', 'page map')
    call check(len(map) == 0, 'no map on failure')
    call aml_area_linux_migrate(none, x, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not created', 'migrate: no area')
    ! Contiguous sections and zero-size arrays are fine.
    call check(aml_area_linux_check_binding(area, x(:, 2:3)), 'check a section')
    call check(aml_area_linux_check_binding(area, x(:, 1:0)), 'check nothing')
    call aml_linux_inspect(x(:, 1:0), p)
    call check(p%npages == 0 .and. all(p%node_pages == 0), 'inspect nothing')
    call aml_linux_inspect(x(:, 2:3), p)
    call check(p%npages == 2 .and. p%node_pages(0) == 2 .and. &
         p%policy_name == 'bind' .and. p%policy_nodes == '0', 'inspect a section')
    call aml_area_munmap(area, x)
  end subroutine placement

  subroutine copies()
    type(aml_dma) :: dma, not_made
    real(real64), pointer :: x(:)

    call aml_dma_linux_create(dma, -1, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'nworkers -1 is negative', &
         'negative workers')
    call aml_dma_linux_create(dma, 0)
    call aml_area_mmap(area, x, [1000])
    x = 1
    call aml_dma_copy(dma, x(1:10), x(11:30), stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'dst has 80 bytes, src 160', &
         'copy: sizes')
    call aml_dma_copy(dma, x(1:10), x(5:14), stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'dst and src overlap', 'copy: overlap')
    call aml_dma_copy(dma, x(1:10), x(11:30:2), stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'src is not contiguous', &
         'copy: strided')
    call aml_dma_copy(not_made, x(1:10), x(11:20), stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'engine was not created', &
         'copy: no engine')
    call aml_dma_linux_create(dma, 0, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'exists already', 'engine twice')
    call aml_area_munmap(area, x)
    call aml_dma_linux_destroy(dma)
    call aml_dma_linux_destroy(dma)
  end subroutine copies

  subroutine heaps()
    type(aml_allocator) :: heap
    real(real64), pointer :: x(:)

    call aml_alloc(heap, x, [10], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'heap was not created', &
         'alloc: no heap')
    call aml_allocator_heap_create(heap, none, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'area was not created', &
         'heap on no area')
    call aml_allocator_heap_create(heap, area)
    call aml_alloc(heap, x, [-1], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'is negative', 'alloc: negative')
    call aml_allocator_heap_create(heap, area, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'exists already', 'heap twice')
    call aml_allocator_heap_destroy(heap)
  end subroutine heaps

  subroutine hwloc_areas()
    type(aml_area) :: a
    real(real64), pointer :: x(:)
    logical :: ok

    call aml_area_hwloc_create_best(a, 99, stat=stat, errmsg=msg)
    call check(stat == AML_EINVAL .or. stat == AML_ENOTSUP, 'criterion 99')
    call check(index(msg, 'criterion 99 (unknown)') > 0, 'criterion 99: message')
    call aml_area_hwloc_create_best(a, AML_AREA_HWLOC_CAPACITY, &
         initiator=[-3], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EDOM, 'CPU -3 is not a possible CPU number', 'CPU -3')
    call aml_area_hwloc_create_best(a, AML_AREA_HWLOC_CAPACITY, &
         fallback=7, stat=stat, errmsg=msg)
    call check(stat == AML_EINVAL .or. stat == AML_ENOTSUP, 'fallback 7')
    call check(index(msg, 'fallback 7 (unknown)') > 0, 'fallback 7: message')
    call aml_area_hwloc_create_best(a, AML_AREA_HWLOC_CAPACITY, &
         fallback=AML_AREA_HWLOC_FALLBACK_PREFERRED, stat=stat, errmsg=msg)
    if (stat == AML_ENOTSUP) then
      write(*, '(a)') 'no hwloc here: ' // trim(msg)
      return
    end if
    call check(stat == 0, 'capacity area: ' // trim(msg))
    call aml_area_mmap(a, x, [4096])
    x = 1
    ok = aml_area_linux_check_binding(a, x, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not a Linux area', 'check hwloc')
    call aml_area_linux_migrate(a, x, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not a Linux area', 'migrate hwloc')
    call aml_area_munmap(a, x)
    call aml_area_destroy(a)
  end subroutine hwloc_areas

  subroutine messages()
    real(real64), pointer :: x(:)
    character(len=20) :: short

    msg = 'unchanged'
    call aml_area_mmap(area, x, [10], stat=stat, errmsg=msg)
    call check(stat == 0 .and. msg == 'unchanged', 'errmsg left alone on success')
    call aml_area_munmap(area, x, stat=stat, errmsg=msg)
    call check(stat == 0 .and. msg == 'unchanged', 'errmsg left alone again')
    call aml_area_munmap(area, x, stat=stat, errmsg=short)
    call check(stat == AML_EINVAL .and. short == 'aml_area_munmap: Inv', &
         'errmsg truncated to its length')
    stat = -1
    call aml_area_munmap(area, x, stat=stat)
    call check(stat == AML_EINVAL, 'stat without errmsg')
    call check(aml_strerror(AML_EDOM) == aml_strerror(-AML_EDOM), 'strerror sign')
    call check(aml_strerror(12345) == 'Unknown error', 'strerror unknown')
  end subroutine messages

end program errors
