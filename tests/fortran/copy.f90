! The copy engine from Fortran: 16 MiB (split over the workers) and small
! copies between areas, between arrays of other types and ranks of the
! same bytes, and nothing; engines with 0 and 2 workers.
program copy
  use, intrinsic :: iso_fortran_env, only: int64, real64
  use aml
  use aml_test
  implicit none
  type(aml_area) :: spread, plain
  type(aml_dma) :: dma
  integer :: workers

  call aml_area_linux_create(spread, AML_AREA_LINUX_POLICY_INTERLEAVE)
  call aml_area_linux_create(plain, AML_AREA_LINUX_POLICY_DEFAULT)
  do workers = 0, 2, 2
    call aml_dma_linux_create(dma, workers)
    call large()
    call reshaped()
    call aml_dma_linux_destroy(dma)
  end do
  call aml_area_destroy(plain)
  call aml_area_destroy(spread)
  write(*, '(a)') 'copies: ok'

contains

  subroutine large()
    real(real64), pointer :: src(:, :), dst(:, :)
    integer :: j

    call aml_area_mmap(spread, src, [1024, 2048])
    call aml_area_mmap(plain, dst, [1024, 2048])
    do j = 1, size(src, 2)
      src(:, j) = real(j, real64)
    end do
    call aml_dma_copy(dma, dst, src)
    call check(all(dst == src), '16 MiB copied')
    call aml_dma_copy(dma, dst(:, 1:0), src(:, 1:0))
    call aml_dma_copy(dma, dst(:, 7:9), src(:, 1:3))
    call check(all(dst(:, 7:9) == src(:, 1:3)) .and. all(dst(:, 10) == 10), &
         'columns copied, and no more')
    call aml_area_munmap(plain, dst)
    call aml_area_munmap(spread, src)
  end subroutine large

  ! Bytes, not elements: a real(8) matrix into an integer(8) vector.
  subroutine reshaped()
    real(real64), pointer :: src(:, :)
    integer(int64), pointer :: dst(:)

    call aml_area_mmap(spread, src, [3, 4])
    call aml_area_mmap(plain, dst, [12])
    src = -2.0_real64
    call aml_dma_copy(dma, dst, src)
    call check(all(dst == transfer(-2.0_real64, 0_int64)), 'bytes copied')
    call aml_area_munmap(plain, dst)
    call aml_area_munmap(spread, src)
  end subroutine reshaped

end program copy
