! Arrays of every type and rank from an area and from a heap: shapes,
! lower bounds, values, page alignment, zero-size arrays; the ledger that
! refuses what the module did not hand out (twice, a section, another
! area's, a Fortran target) and keeps areas alive while arrays or heaps
! use them; the constants against the C headers.
program arrays
  use, intrinsic :: iso_fortran_env, only: int8, int16, int32, int64, &
                                           real32, real64
  use aml
  use aml_test
  implicit none
  type(aml_area) :: area, other
  type(aml_allocator) :: heap

  call constants()
  call aml_area_linux_create(area, AML_AREA_LINUX_POLICY_INTERLEAVE)
  call aml_area_linux_create(other, AML_AREA_LINUX_POLICY_DEFAULT, nodes='all')
  call every_type_mapped()
  call every_type_allocated()
  call every_rank()
  call zero_size()
  call ledger()
  call keeps_area_alive()
  call aml_area_destroy(other)
  call aml_area_destroy(area)
  write(*, '(a)') 'every type and rank, and the ledger: ok'

contains

  subroutine constants()
    integer, parameter :: fortran(*) = [AML_SUCCESS, AML_FAILURE, &
         AML_ENOMEM, AML_EINVAL, AML_EDOM, AML_ENOTSUP, AML_EBUSY, &
         AML_AREA_LINUX_POLICY_DEFAULT, AML_AREA_LINUX_POLICY_BIND, &
         AML_AREA_LINUX_POLICY_PREFERRED, AML_AREA_LINUX_POLICY_INTERLEAVE, &
         AML_AREA_LINUX_POLICY_PREFERRED_MANY, &
         AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE, &
         AML_AREA_LINUX_POLICY_LOCAL, AML_AREA_HWLOC_LOCAL, &
         AML_AREA_HWLOC_BANDWIDTH, AML_AREA_HWLOC_LATENCY, &
         AML_AREA_HWLOC_CAPACITY, AML_AREA_HWLOC_LOCALITY, &
         AML_AREA_HWLOC_READ_BANDWIDTH, AML_AREA_HWLOC_WRITE_BANDWIDTH, &
         AML_AREA_HWLOC_READ_LATENCY, AML_AREA_HWLOC_WRITE_LATENCY, &
         AML_AREA_HWLOC_FALLBACK_NONE, AML_AREA_HWLOC_FALLBACK_PREFERRED, &
         AML_AREA_HWLOC_FALLBACK_ORDERED]

    associate (c => c_constants())
      call check(size(c) == size(fortran), 'as many constants as in C')
      call check(all(c == fortran), 'constants equal to C''s')
    end associate
  end subroutine constants

  subroutine every_type_mapped()
    integer(int8), pointer :: i1(:, :)
    integer(int16), pointer :: i2(:, :)
    integer(int32), pointer :: i4(:, :)
    integer(int64), pointer :: i8(:, :)
    real(real32), pointer :: r4(:, :)
    real(real64), pointer :: r8(:, :)
    complex(real32), pointer :: c4(:, :)
    complex(real64), pointer :: c8(:, :)
    logical, pointer :: l(:, :)
    character(len=1), pointer :: ch(:, :)

    call aml_area_mmap(area, i1, [3_int8, 100_int8])
    i1 = -3_int8
    call check(all(i1 == -3_int8) .and. size(i1) == 300, 'int8')
    call check_aligned(i1, 'int8')
    call aml_area_munmap(area, i1)
    call aml_area_mmap(area, i2, [3_int16, 100_int16])
    i2 = 3000_int16
    call check(all(i2 == 3000_int16), 'int16')
    call check_aligned(i2, 'int16')
    call aml_area_munmap(area, i2)
    call aml_area_mmap(area, i4, [3, 100])
    i4 = huge(0_int32)
    call check(all(i4 == huge(0_int32)), 'int32')
    call check_aligned(i4, 'int32')
    call aml_area_munmap(area, i4)
    call aml_area_mmap(area, i8, [3_int64, 100_int64])
    i8 = huge(0_int64)
    call check(all(i8 == huge(0_int64)), 'int64')
    call check_aligned(i8, 'int64')
    call aml_area_munmap(area, i8)
    call aml_area_mmap(area, r4, [3, 100])
    r4 = 0.25
    call check(all(r4 == 0.25), 'real32')
    call check_aligned(r4, 'real32')
    call aml_area_munmap(area, r4)
    call aml_area_mmap(area, r8, [3, 100])
    r8 = 0.125_real64
    call check(all(r8 == 0.125_real64), 'real64')
    call check_aligned(r8, 'real64')
    call aml_area_munmap(area, r8)
    call aml_area_mmap(area, c4, [3, 100])
    c4 = (1.0, 2.0)
    call check(all(c4 == (1.0, 2.0)), 'complex32')
    call check_aligned(c4, 'complex32')
    call aml_area_munmap(area, c4)
    call aml_area_mmap(area, c8, [3, 100])
    c8 = (1.0_real64, -2.0_real64)
    call check(all(c8 == (1.0_real64, -2.0_real64)), 'complex64')
    call check_aligned(c8, 'complex64')
    call aml_area_munmap(area, c8)
    call aml_area_mmap(area, l, [3, 100])
    l = .true.
    call check(all(l), 'logical')
    call check_aligned(l, 'logical')
    call aml_area_munmap(area, l)
    call aml_area_mmap(area, ch, [3, 100])
    ch = 'x'
    call check(all(ch == 'x'), 'character')
    call check_aligned(ch, 'character')
    call aml_area_munmap(area, ch)
    call check(.not. (associated(i1) .or. associated(r8) .or. associated(ch)), &
         'disassociated after munmap')
  end subroutine every_type_mapped

  subroutine every_type_allocated()
    integer(int8), pointer :: i1(:)
    integer(int16), pointer :: i2(:)
    integer(int32), pointer :: i4(:)
    integer(int64), pointer :: i8(:)
    real(real32), pointer :: r4(:)
    real(real64), pointer :: r8(:)
    complex(real32), pointer :: c4(:)
    complex(real64), pointer :: c8(:)
    logical, pointer :: l(:)
    character(len=1), pointer :: ch(:)

    call aml_allocator_heap_create(heap, area)
    call aml_alloc(heap, i1, [7])
    call aml_alloc(heap, i2, [7])
    call aml_alloc(heap, i4, [7])
    call aml_alloc(heap, i8, [7])
    call aml_alloc(heap, r4, [7])
    call aml_alloc(heap, r8, [7], lower=[-3])
    call aml_alloc(heap, c4, [7])
    call aml_alloc(heap, c8, [7])
    call aml_alloc(heap, l, [7])
    call aml_alloc(heap, ch, [7])
    i1 = 1
    i2 = 2
    i4 = 4
    i8 = 8
    r4 = 4.0
    r8 = 8.0_real64
    c4 = (4.0, 4.0)
    c8 = (8.0_real64, 8.0_real64)
    l = .false.
    ch = 'h'
    call check(lbound(r8, 1) == -3 .and. ubound(r8, 1) == 3, 'heap: lower bound')
    call check(sum(int(i1)) + sum(int(i2)) + sum(i4) == 49 .and. &
         sum(i8) == 56 .and. sum(r4) == 28.0 .and. sum(r8) == 56.0_real64 &
         .and. all(c4 == (4.0, 4.0)) .and. all(c8 == (8.0_real64, 8.0_real64)) &
         .and. .not. any(l) .and. all(ch == 'h'), 'heap: values')
    call aml_free(heap, i1)
    call aml_free(heap, i2)
    call aml_free(heap, i4)
    call aml_free(heap, i8)
    call aml_free(heap, r4)
    call aml_free(heap, r8)
    call aml_free(heap, c4)
    call aml_free(heap, c8)
    call aml_free(heap, l)
    call aml_free(heap, ch)
    call check(.not. (associated(i1) .or. associated(ch)), 'heap: disassociated')
    call aml_allocator_heap_destroy(heap)
  end subroutine every_type_allocated

  subroutine every_rank()
    real(real64), pointer :: r1(:), r2(:, :), r3(:, :, :), r4(:, :, :, :), &
         r5(:, :, :, :, :), r6(:, :, :, :, :, :), r7(:, :, :, :, :, :, :)

    call aml_area_mmap(area, r1, [5], lower=[0])
    call check(all(lbound(r1) == [0]) .and. all(ubound(r1) == [4]), 'rank 1')
    r1 = 1
    call aml_area_munmap(area, r1)
    call aml_area_mmap(area, r2, [5, 6], lower=[0, -1])
    call check(all(lbound(r2) == [0, -1]) .and. all(shape(r2) == [5, 6]), 'rank 2')
    r2 = 2
    call aml_area_munmap(area, r2)
    call aml_area_mmap(area, r3, [2, 3, 4])
    call check(all(lbound(r3) == 1) .and. all(shape(r3) == [2, 3, 4]), 'rank 3')
    r3 = 3
    call aml_area_munmap(area, r3)
    call aml_area_mmap(area, r4, [2, 3, 4, 5], lower=[1, 2, 3, 4])
    call check(all(lbound(r4) == [1, 2, 3, 4]) .and. size(r4) == 120, 'rank 4')
    r4 = 4
    call aml_area_munmap(area, r4)
    call aml_area_mmap(area, r5, [2, 2, 2, 2, 2])
    r5 = 5
    call check(size(r5) == 32 .and. sum(r5) == 160, 'rank 5')
    call aml_area_munmap(area, r5)
    call aml_area_mmap(area, r6, [2, 1, 2, 1, 2, 1])
    r6 = 6
    call check(size(r6) == 8, 'rank 6')
    call aml_area_munmap(area, r6)
    call aml_area_mmap(area, r7, [2, 3, 2, 3, 2, 3, 2], lower=[0, 1, 2, 3, 4, 5, 6])
    call check(all(lbound(r7) == [0, 1, 2, 3, 4, 5, 6]) .and. &
         all(ubound(r7) == [1, 3, 3, 5, 5, 7, 7]), 'rank 7')
    r7 = 7
    call check(sum(r7) == 7.0_real64 * 432, 'rank 7: values')
    call aml_area_munmap(area, r7)
  end subroutine every_rank

  subroutine zero_size()
    real(real64), pointer :: x(:, :), y(:)

    call aml_area_mmap(area, x, [0, 5])
    call check(associated(x) .and. size(x) == 0 .and. size(x, 2) == 5, &
         'zero-size mapping')
    call aml_area_munmap(area, x)
    call check(.not. associated(x), 'zero-size unmapped')
    call aml_allocator_heap_create(heap, area)
    call aml_alloc(heap, y, [0])
    call check(associated(y) .and. size(y) == 0, 'zero-size object')
    call aml_free(heap, y)
    call aml_allocator_heap_destroy(heap)
  end subroutine zero_size

  ! Only what the module handed out, whole, goes back.
  subroutine ledger()
    real(real64), pointer :: x(:, :), alias(:, :), part(:, :), row(:)
    real(real64), pointer :: obj(:), own(:)
    real(real64), target :: plain(1024)
    integer :: stat
    character(len=200) :: msg

    call aml_area_mmap(area, x, [512, 4])
    alias => x
    part => x(:, 1:2)
    call aml_area_munmap(area, part, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'covers 8192 of the 16384 bytes', &
         'unmap a part')
    call check(associated(part), 'a refused pointer stays associated')
    row => x(1, :)
    call aml_area_munmap(area, row, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not contiguous', 'unmap a row')
    call aml_area_munmap(other, alias, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'from another one', &
         'unmap from another area')
    call aml_area_munmap(area, x)
    call aml_area_munmap(area, alias, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'released already', 'unmap twice')
    own => plain
    call aml_area_munmap(area, own, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not the start of', &
         'unmap a Fortran target')
    nullify(own)
    call aml_area_munmap(area, own, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not associated', 'unmap null')

    call aml_allocator_heap_create(heap, area)
    call aml_alloc(heap, obj, [100])
    call aml_area_munmap(area, obj, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'from another one', &
         'unmap a heap object')
    call aml_area_mmap(area, row, [100])
    call aml_free(heap, row, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'from another one', 'free a mapping')
    call aml_area_munmap(area, row)
    own => obj(2:)
    call aml_free(heap, own, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not the start of', 'free inside')
    ! Destroying a heap releases its objects: the ledger forgets them.
    call aml_allocator_heap_destroy(heap)
    call aml_allocator_heap_create(heap, area)
    call aml_free(heap, obj, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'not the start of', &
         'free after the heap went')
    call aml_allocator_heap_destroy(heap)
  end subroutine ledger

  ! An area with mappings or heaps is not destroyed: they could not be
  ! released any more.
  subroutine keeps_area_alive()
    type(aml_area) :: a
    real(real32), pointer :: x(:)
    integer :: stat
    character(len=200) :: msg

    call aml_area_linux_create(a, AML_AREA_LINUX_POLICY_PREFERRED, nodes=[0])
    call aml_area_mmap(a, x, [10])
    call aml_area_destroy(a, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EBUSY, 'an array or a heap still uses the area', 'destroy, mapped')
    call aml_area_munmap(a, x)
    call aml_allocator_heap_create(heap, a)
    call aml_area_destroy(a, stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EBUSY, 'still uses the area', 'destroy, heap')
    call aml_allocator_heap_destroy(heap)
    call aml_area_destroy(a)
    call aml_area_mmap(a, x, [10], stat=stat, errmsg=msg)
    call check_failed(stat, msg, AML_EINVAL, 'was destroyed', 'map after destroy')
    call check(.not. associated(x), 'x disassociated after a failure')
    call aml_area_destroy(a)
  end subroutine keeps_area_alive

end program arrays
